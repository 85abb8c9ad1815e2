"""ACKs: swapped sender/receiver, MSA-2 = MSH-10, ERR by version; checked by an independent parser (python-hl7)."""

from __future__ import annotations

import hl7
import pytest

from clinicdesk.protocols.hl7v2 import ack_for, process
from clinicdesk.protocols.hl7v2.ack import build_ack
from clinicdesk.protocols.hl7v2.errors import HL7Error

from .helpers import NOW, ack_fields, fixed_id, fixture


def test_accepted_message_gets_aa_with_sender_and_receiver_swapped() -> None:
    ack = ack_for(fixture("labcorp_251_cmp.hl7"), now=NOW, control_id=fixed_id)
    assert ack == ("MSH|^~\\&|CLINICDESK|LAKESIDE|LCLIKE|LCLIKE-BURL|20250314120000+0000||ACK^R01^ACK|ACK0001|P|2.5.1"
                   "||||||UNICODE UTF-8\rMSA|AA|LC20250314-0042\r")


def test_python_hl7_reads_our_ack() -> None:
    parsed = hl7.parse(ack_for(fixture("broken_bad_nm.hl7"), now=NOW))
    assert str(parsed.segment("MSA")[1]) == "AE" and str(parsed.segment("MSA")[2]) == "NM-1"
    assert str(parsed.segment("MSH")[9][0][0]) == "ACK"


def test_v251_error_goes_in_err2_err3_and_err8() -> None:
    err = ack_fields(ack_for(fixture("broken_bad_nm.hl7"), now=NOW))["ERR"]
    assert err[2] == "OBX^4^5" and err[3] == "102^Data type error^HL70357" and err[4] == "E"
    assert err[8] == "'1,05' is not a number (NM)"


def test_v23_style_error_goes_in_err1_and_message_type_has_two_components() -> None:
    fields = ack_fields(ack_for(fixture("broken_missing_obr4.hl7"), now=NOW))
    assert fields["ERR"][1] == "OBR^3^4^101&Required field missing&HL70357"
    assert fields["MSH"][9] == "ACK^R01" and fields["MSH"][12] == "2.3.1"
    assert fields["MSA"][3].startswith("OBR-4 universal service identifier is empty")


def test_unsupported_version_is_rejected_and_answered_in_a_version_we_speak() -> None:
    fields = ack_fields(ack_for(fixture("broken_version_29.hl7"), now=NOW))
    assert fields["MSA"][1:3] == ["AR", "V29-1"] and fields["MSH"][12] == "2.5.1"
    assert fields["ERR"][3].startswith("203^")


def test_unreadable_bytes_get_ar_with_a_generated_control_id_and_empty_msa2() -> None:
    fields = ack_fields(ack_for(fixture("broken_garbage.hl7"), now=NOW, control_id=fixed_id))
    assert fields["MSH"][10] == "ACK0001" and fields["MSA"][1:3] == ["AR", ""]
    assert fields["MSH"][3:7] == ["", "", "", ""]


def test_generated_control_ids_fit_msh10_and_differ() -> None:
    a, b = (ack_fields(ack_for(b"junk"))["MSH"][10] for _ in range(2))
    assert a != b and len(a) <= 20


def test_error_text_with_delimiters_is_escaped() -> None:
    ack = build_ack(None, HL7Error("bad | value ^ here\nnext", code="207"), now=NOW, control_id=fixed_id)
    fields = ack_fields(ack)
    assert fields["MSA"][3] == "bad \\F\\ value \\S\\ here\\.br\\next" and len(ack.split("\r")) == 4


def test_internal_error_is_answered_as_ae_207(monkeypatch: pytest.MonkeyPatch) -> None:
    import clinicdesk.protocols.hl7v2.inbound as inbound

    def boom(*args: object) -> object:
        raise RuntimeError("bug")

    monkeypatch.setattr(inbound, "read_oru_checked", boom)  # what process() uses once the header is checked
    outcome = process(fixture("quest_231_cbc.hl7"), now=NOW)
    fields = ack_fields(outcome.ack)
    assert fields["MSA"][1:3] == ["AE", "Q0000123456"]
    assert fields["ERR"][1].endswith("207&Application internal error&HL70357")


def test_outcome_key_identifies_a_resent_message() -> None:
    first, again = process(fixture("quest_231_cbc.hl7")), process(fixture("quest_231_cbc.hl7"))
    assert first.key == again.key == ("LAB", "QUESTLIKE", "Q0000123456")
    assert process(b"junk").key is None


def test_ack_bytes_use_the_senders_single_byte_charset_or_utf8() -> None:
    latin = process(b"MSH|^~\\&|L\xc4B|X|CD|Y|20250314||ORU^R30|L1|P|2.4\r", now=NOW)
    assert latin.header is not None and latin.header.charset == "latin-1"
    assert b"|CD|Y|L\xc4B|X|" in latin.ack_bytes
    assert process(b"junk").ack_bytes.startswith(b"MSH|^~\\&|")
