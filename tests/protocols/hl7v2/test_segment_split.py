"""The fast paths of the codec read exactly what the general ones do: field splitting (plain fields, memoized
splits), one-pass decoding in ``process``, remembered timestamps and the escape shortcut."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from clinicdesk.protocols.hl7v2 import HL7Error, Segment, decode, parse, process
from clinicdesk.protocols.hl7v2.datatypes import nm_field, parse_ts, ts_field
from clinicdesk.protocols.hl7v2.errors import Location
from clinicdesk.protocols.hl7v2.escapes import Encoding, escape
from clinicdesk.protocols.hl7v2.header import check_header, read_header
from clinicdesk.protocols.hl7v2.message import decode_msh, split_field

from .helpers import NOW, fixed_id, fixture

ENC = Encoding()
MSG = (b"MSH|^~\\&|LAB|FAC|CD|PR|20250314101500-0600||ORU^R01^ORU_R01|C-1|P|2.5.1\r"
       b"PID|1||MRN1^^^HB^MR~SSN1^^^SSA^SS||Doe\\T\\Jr&von^Jane \\S\\ Ann||19800214|F\r"
       b"OBR|1|ORD-1|LAB-1|GLU^Glucose^LN|||20250314101500-0600\r"
       b"OBX|1|NM|2345-7^Glucose^LN|| 95 |mg/dL|65-99|H~|||F|||20250314101500-0600\r")


def obx(*fields: str, enc: Encoding = ENC) -> Segment:
    return Segment("OBX", ("OBX", *fields), enc, "utf-8", 4)


@pytest.mark.parametrize(("raw", "expected"), [
    ("", ()),
    ("plain text", ((("plain text",),),)),
    (" padded ", (((" padded ",),),)),
    ("a^b^^c", ((("a",), ("b",), ("",), ("c",)),)),
    ("a^b~c^", ((("a",), ("b",)), (("c",), ("",)))),
    ("a&b^c", ((("a", "b"), ("c",)),)),
    ("x\\S\\y^z", ((("x^y",), ("z",)),)),
    ("p\\T\\q&r\\E\\s~t", ((("p&q", "r\\s"),), (("t",),))),
    ("\\X41\\&\\.br\\", ((("A", "\n"),),)),
    ("unterminated\\", ((("unterminated\\",),),)),
    ("~", ((("",),), (("",),))),
])
def test_a_field_splits_into_repetitions_components_and_unescaped_subcomponents(raw: str, expected: tuple) -> None:
    assert split_field(raw, ENC, "utf-8") == expected


def test_header_delimiter_fields_are_kept_verbatim() -> None:
    msh = decode(MSG).msh
    assert msh.repetitions(1) == [(("|",),)] and msh.repetitions(2) == [(("^~\\&",),)]
    assert split_field("^~\\&", ENC, "utf-8", verbatim=True) == ((("^~\\&",),),)
    assert (msh.value(1), msh.value(2), msh.text(2)) == ("|", "^~\\&", "^~\\&")


def test_value_reads_the_same_before_and_after_the_field_is_split() -> None:
    """``value`` skips splitting a plain field; once split (memoized) it reads from the split field."""
    first = obx("1", "NM", "2345-7^Glucose^LN", "", " 95 ", "mg/dL", "65-99", "H~", "", "", "F")
    second = dataclasses.replace(first)
    calls = [(n, c, s, r) for n in range(-1, 14) for c in (1, 2, 4) for s in (1, 2) for r in (1, 2)]
    before = [first.value(*call) for call in calls]
    split = [second.repetitions(n) for n in range(-1, 14)]
    assert before == [second.value(*call) for call in calls] == [first.value(*call) for call in calls]
    assert split == [first.repetitions(n) for n in range(-1, 14)]
    assert first.value(5) == "95" and first.value(3, 2) == "Glucose" and first.value(8, rep=2) == ""


def test_memoized_splits_are_stable_and_never_shared_as_lists() -> None:
    pid = decode(MSG).segments[1]
    reps = pid.repetitions(3)
    reps.append((("injected",),))
    reps.clear()
    assert pid.repetitions(3) == pid.repetitions(3) == [(("MRN1",), ("",), ("",), ("HB",), ("MR",)),
                                                        (("SSN1",), ("",), ("",), ("SSA",), ("SS",))]
    assert pid.repetitions(3) is not pid.repetitions(3)
    assert pid.value(5) == "Doe&Jr" and pid.value(5, 1, 2) == "von" and pid.value(5, 2) == "Jane ^ Ann"
    assert pid.value(3, 5, rep=2) == pid.value(3, 5, rep=2) == "SS"


def test_the_memo_changes_nothing_about_the_segment_as_a_value() -> None:
    read, fresh = decode(MSG).segments[3], decode(MSG).segments[3]
    read.repetitions(3), read.value(5), read.value(6)
    assert read == fresh and hash(read) == hash(fresh) and repr(read) == repr(fresh)
    assert [f.name for f in dataclasses.fields(Segment)] == ["name", "fields", "encoding", "charset", "sequence"]
    moved = dataclasses.replace(read, sequence=9)
    assert moved.sequence == 9 and moved.value(3, 2) == "Glucose"
    restored = pickle.loads(pickle.dumps(read))  # noqa: S301 - our own bytes
    assert restored == read and restored.value(3, 2) == "Glucose"
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.name = "PID"  # type: ignore[misc]


def test_non_standard_delimiters_split_and_escape_the_same_way() -> None:
    enc = Encoding("#", ":", "*", "!", "@")
    seg = obx("1", "CE", "A:B!S!C*D@E!T!F", enc=enc)
    assert seg.repetitions(3) == [(("A",), ("B:C",)), (("D", "E@F"),)]
    assert seg.value(3, 2) == "B:C" and seg.value(3, 1, 2, rep=2) == "E@F" and seg.value(2) == "CE"


def test_process_reads_the_header_once_and_answers_exactly_like_the_separate_steps() -> None:
    outcome = process(MSG, now=NOW, control_id=fixed_id)
    assert outcome.accepted and outcome.header == read_header(decode_msh(MSG)) == check_header(decode(MSG))
    assert outcome.parsed == parse(MSG)
    garbled = MSG + b"o b x|broken\r"
    bad = process(garbled, now=NOW, control_id=fixed_id)
    assert bad.header == outcome.header and bad.error is not None and bad.error.code == "100"
    assert bad.error.location == Location("o b", 5)
    with pytest.raises(HL7Error) as caught:
        parse(garbled)
    assert (caught.value.code, caught.value.location) == (bad.error.code, bad.error.location)


def test_a_bad_msh7_is_still_rejected_after_the_header_was_read() -> None:
    raw = MSG.replace(b"20250314101500-0600||ORU", b"2025-03-14||ORU")
    outcome = process(raw, now=NOW, control_id=fixed_id)
    assert outcome.header is not None and outcome.header.sent_at is None
    assert outcome.error is not None and (outcome.error.code, outcome.error.location.field) == ("102", 7)


def test_remembered_timestamps_are_equal_and_errors_still_carry_their_location() -> None:
    seg = obx("1", "NM", "X", "", "1", "", "", "", "", "", "F", "", "", "20250314101500-0600")
    assert ts_field(seg, 14) == ts_field(seg, 14) == parse_ts("20250314101500-0600", Location())
    assert ts_field(seg, 4) is None and ts_field(seg, 99) is None
    for where in (Location("OBX", 1, 14), Location("OBR", 2, 7)):
        with pytest.raises(HL7Error) as caught:
            parse_ts("2025-03-14", where)
        assert caught.value.location == where and caught.value.code == "102"
    bad = obx("1", "NM", "X", "", "1", "", "", "", "", "", "F", "", "", "20251399")
    with pytest.raises(HL7Error) as caught:
        ts_field(bad, 14)
    assert caught.value.location == Location("OBX", 4, 14)


def test_numbers_read_in_place_raise_with_the_field_location() -> None:
    seg = obx("1", "NM")
    assert str(nm_field(" -1.50 ", seg, 5)) == "-1.50"
    with pytest.raises(HL7Error) as caught:
        nm_field("1e5", seg, 5)
    assert caught.value.location == Location("OBX", 4, 5)


@pytest.mark.parametrize(("text", "expected"), [
    ("PLAIN text 123", "PLAIN text 123"), ("", ""), ("a|b", "a\\F\\b"), ("a\r\nb\rc", "a\\.br\\b\\.br\\c"),
    ("\\^~&", "\\E\\\\S\\\\R\\\\T\\"),
])
def test_escape_leaves_plain_text_alone_and_escapes_the_rest(text: str, expected: str) -> None:
    assert escape(text) == escape(text, Encoding()) == expected


def test_escape_with_other_delimiters_checks_those_delimiters() -> None:
    enc = Encoding("#", ":", "*", "!", "@")
    assert escape("a|b^c", enc) == "a|b^c" and escape("a#b:c", enc) == "a!F!b!S!c"


def test_a_captured_message_still_reads_the_same_twice() -> None:
    raw = fixture("quest_231_cbc.hl7")
    assert parse(raw) == parse(raw)
    assert process(raw, now=NOW, control_id=fixed_id) == process(raw, now=NOW, control_id=fixed_id)
