"""Splitting, separators, escapes, charsets and dates (clinicdesk.protocols.hl7v2.message / datatypes)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from clinicdesk.protocols.hl7v2 import HL7Error, decode, is_batch, split_batch
from clinicdesk.protocols.hl7v2.datatypes import parse_nm, parse_ts
from clinicdesk.protocols.hl7v2.errors import Location
from clinicdesk.protocols.hl7v2.escapes import Encoding, escape, unescape

from .helpers import fixture

HERE = Location("OBX", 4, 5)


@pytest.mark.parametrize("sep", ["\r", "\n", "\r\n", "\r\r\n\n"])
def test_any_segment_separator_gives_the_same_segments(sep: str) -> None:
    raw = sep.join(["MSH|^~\\&|A|B|C|D|20250101||ORU^R01|X1|P|2.4", "PID|||1", "OBR|1|||GLU"]).encode()
    assert [s.name for s in decode(raw).segments] == ["MSH", "PID", "OBR"]


def test_msh_fields_are_numbered_like_the_standard() -> None:
    msh = decode(fixture("quest_231_cbc.hl7")).msh
    assert (msh.value(1), msh.value(2), msh.value(3), msh.value(9, 2), msh.value(10)) == (
        "|", "^~\\&", "LAB", "R01", "Q0000123456")
    assert msh.value(4, 2) == "05D0642827" and msh.value(99) == ""


def test_non_standard_delimiters_are_read_from_msh2() -> None:
    message = decode(b"MSH#:*!@#A#B#C#D#20250101##ORU:R01#X2#P#2.5\rPID###1:::AUTH*2:::AUTH2##FAM!S!ILY:GIVEN\r")
    pid = message.segments[1]
    assert len(pid.repetitions(3)) == 2 and pid.value(3, 4, rep=2) == "AUTH2"
    assert pid.value(5) == "FAM:ILY" and message.msh.value(9, 2) == "R01"


def test_unescape_covers_delimiters_hex_line_breaks_and_leaves_unterminated_text() -> None:
    enc = Encoding()
    assert unescape(r"a\F\b\S\c\T\d\R\e\E\f", enc) == "a|b^c&d~e\\f"
    assert unescape(r"\X48692C\ there\.br\next\H\bold\N\ ", enc) == "Hi, there\nnextbold "
    assert unescape(r"no close \X4", enc) == r"no close \X4"
    assert unescape(r"\Xzz\x", enc) == "x"


def test_escape_is_the_inverse_of_unescape() -> None:
    text = "A|B^C&D~E\\F\nG"
    assert unescape(escape(text), Encoding()) == text


def test_batch_is_split_into_its_messages() -> None:
    raw = fixture("batch_fhs_bhs_231.hl7")
    assert is_batch(raw) and not is_batch(fixture("quest_231_cbc.hl7"))
    assert [decode(m).control_id for m in split_batch(raw)] == ["QB-1", "QB-2"]


def test_utf16_with_bom_is_decoded() -> None:
    text = "MSH|^~\\&|A|B|C|D|20250101||ORU^R01|U16|P|2.5.1\rPID|||1||ZOË\r"
    assert decode(text.encode("utf-16")).segments[1].value(5) == "ZOË"


@pytest.mark.parametrize(("text", "expected", "precision"), [
    ("2025", datetime(2025, 1, 1), "year"),
    ("202503", datetime(2025, 3, 1), "month"),
    ("20250314", datetime(2025, 3, 14), "day"),
    ("2025031409", datetime(2025, 3, 14, 9), "hour"),
    ("202503140930", datetime(2025, 3, 14, 9, 30), "minute"),
    ("20250314093015.25", datetime(2025, 3, 14, 9, 30, 15, 250000), "second"),
    ("20250314093015+0530", datetime(2025, 3, 14, 9, 30, 15, tzinfo=timezone(timedelta(hours=5, minutes=30))),
     "second"),
    ("202503140930-0800", datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=-8))), "minute"),
])
def test_timestamps_keep_precision_and_offset(text: str, expected: datetime, precision: str) -> None:
    stamp = parse_ts(text, HERE)
    assert stamp is not None and (stamp.value, stamp.precision) == (expected, precision)


@pytest.mark.parametrize("text", ["2025-03-14", "20251301", "20250230", "2025031425", "20250314+2500", "abc",
                                  "20250314093015.12345"])
def test_bad_timestamps_are_data_type_errors(text: str) -> None:
    with pytest.raises(HL7Error) as caught:
        parse_ts(text, HERE)
    assert (caught.value.code, caught.value.ack_code, caught.value.location) == ("102", "AE", HERE)


@pytest.mark.parametrize(("text", "expected"), [("7.2", "7.2"), ("-0.5", "-0.5"), ("+12", "12"), (".5", "0.5"),
                                                 (" 100. ", "100")])
def test_numbers_become_decimals(text: str, expected: str) -> None:
    assert parse_nm(text, HERE) == Decimal(expected)


@pytest.mark.parametrize("text", ["1,05", "1e5", "NaN", "Infinity", "", "<5", "5 mg"])
def test_non_numbers_are_rejected(text: str) -> None:
    with pytest.raises(HL7Error):
        parse_nm(text, HERE)
