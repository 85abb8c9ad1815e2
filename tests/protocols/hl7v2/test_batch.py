"""Batches: one test per fixture shape in fixtures/batches/, plus the batch ACK's envelope."""

from __future__ import annotations

import random

import pytest

from clinicdesk.protocols.hl7v2 import decode, process
from clinicdesk.protocols.hl7v2.batch import Batch, ack_code_of, build_batch_ack, read_batch

from .helpers import FIXTURES, NOW, ack_fields, fixture

BATCHES = FIXTURES / "batches"

# file → (MSH-10 and MSA-1 of each message, FHS name or control id, BHS control id, number of problems)
EXPECTED: dict[str, tuple[list[tuple[str, str]], str, str, int]] = {
    "fhs_two_batches_crlf.hl7": ([("TB-1", "AA"), ("TB-2", "AA"), ("TB-3", "AA")], "F-7", "B-71", 0),
    "bare_messages_lf.hl7": ([("BM-1", "AA"), ("BM-2", "AA"), ("BM-3", "AA")], "", "", 0),
    "bhs_only_cr.hl7": ([("BO-1", "AA"), ("BO-2", "AA")], "", "B-9", 0),
    "bom_counts_wrong.hl7": ([("BC-1", "AA")], "F-8", "B-8", 2),
    "stray_lines_before_msh.hl7": ([("", "AR"), ("SL-1", "AA")], "", "B-10", 0),
    "empty_batch.hl7": ([], "F-E", "B-E", 0),
    "mixed_separators_blank_lines.hl7": ([("MX-1", "AA"), ("MX-2", "AE"), ("MX-3", "AA")], "", "B-11", 0),
    "latin1_bare_messages.hl7": ([("L1-1", "AA"), ("L1-2", "AA")], "", "", 0),
    "not_hl7.txt": ([("", "AR")], "", "", 0),
}


def batch_fixture(name: str) -> bytes:
    return (BATCHES / name).read_bytes()


def test_every_batch_fixture_has_an_expectation_and_every_expectation_a_fixture() -> None:
    assert sorted(p.name for p in BATCHES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_batch_fixture_is_split_and_answered_as_expected(name: str) -> None:
    batch = read_batch(batch_fixture(name))
    outcomes = [process(m, now=NOW) for m in batch.messages]
    got = [(o.header.control_id if o.header else "", o.error.ack_code if o.error else "AA") for o in outcomes]
    expected, file_id, batch_id, problems = EXPECTED[name]
    assert got == expected
    assert (batch.file.control_id or batch.file.name if batch.file else "") == file_id
    assert (batch.batch.control_id if batch.batch else "") == batch_id
    assert len(batch.problems) == problems


def test_messages_keep_their_bytes_and_separators_as_sent() -> None:
    raw = batch_fixture("fhs_two_batches_crlf.hl7")
    batch = read_batch(raw)
    assert all(m.startswith(b"MSH|") and m.endswith(b"\r\n") and m in raw for m in batch.messages)
    assert decode(batch.messages[2]).control_id == "TB-3"


def test_a_latin1_file_keeps_its_bytes_so_names_decode_as_sent() -> None:
    batch = read_batch(batch_fixture("latin1_bare_messages.hl7"))
    assert batch.charset == "latin-1"
    assert "MÜLLER" in decode(batch.messages[0]).segments[1].text(5)


def test_declared_counts_that_do_not_add_up_are_reported() -> None:
    batch = read_batch(batch_fixture("bom_counts_wrong.hl7"))
    assert batch.problems == ("BTS-1 says 3 messages, the batch held 1", "FTS-1 says 2 batches, the file held 1")


def test_an_unreadable_envelope_header_is_a_problem_not_a_crash() -> None:
    batch = read_batch(b"FHS|^^^^^\rMSH|^~\\&|A|B|C|D|20250101||ORU^R01|X1|P|2.5.1\rFTS|1\r")
    assert batch.file is not None and batch.file.name == ""
    assert len(batch.messages) == 1 and "FHS (line 1) unreadable" in batch.problems[0]


def test_the_batch_ack_wraps_one_ack_per_message_and_counts_them() -> None:
    batch = read_batch(fixture("batch_fhs_bhs_231.hl7"))
    acks = [process(m, now=NOW).ack_bytes for m in batch.messages]
    answer = build_batch_ack(batch, acks, now=NOW, control_id=lambda: "ACK0001").decode()
    lines = answer.split("\r")
    assert [line[:3] for line in lines if line] == ["FHS", "BHS", "MSH", "MSA", "MSH", "MSA", "ERR", "BTS", "FTS"]
    fhs, bhs = lines[0].split("|"), lines[1].split("|")
    # FHS-3..6: we are the sender now; FHS-12/BHS-12 name what is answered
    assert fhs[2:6] == ["CLINICDESK", "LAKESIDE", "LAB", "QUESTLIKE"] and fhs[11] == "BATCH-FILE-1"
    assert bhs[11] == "BATCH-1" and bhs[10] == "ACK0001"
    assert ack_fields(answer)["BTS"] == ["BTS", "2", "2 messages: 1 AA, 1 AE"]
    assert ack_fields(answer)["FTS"] == ["FTS", "1"]
    assert [ack_code_of(a) for a in acks] == ["AA", "AE"]


def test_bare_messages_are_answered_from_the_first_ack_parties() -> None:
    batch = read_batch(batch_fixture("bare_messages_lf.hl7"))
    acks = [process(m, now=NOW).ack_bytes for m in batch.messages]
    fhs = build_batch_ack(batch, acks, now=NOW).decode().split("\r")[0].split("|")
    assert fhs[2:6] == ["CLINICDESK", "LAKESIDE", "LAB", "QUESTLIKE"] and fhs[11] == ""


def test_an_empty_input_is_an_empty_batch() -> None:
    assert read_batch(b"") == Batch(())
    assert read_batch(b"\r\n \n").messages == ()


ENVELOPE_JUNK = [b"FHS|^~\\&", b"BHS", b"BTS|x", b"FTS|-1", b"FHS|^^^^^", b"BTS|99999999999999999999", b"MSH|"]


@pytest.mark.parametrize("seed", range(0, 2000, 100))
def test_mutated_batches_are_split_and_answered_without_crashing(seed: int) -> None:
    sources = [batch_fixture(n) for n in sorted(EXPECTED)] + [fixture("batch_fhs_bhs_231.hl7")]
    for n in range(seed, seed + 100):
        rng = random.Random(n)
        raw = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(raw) + 1)
            if rng.random() < 0.5:
                raw[at:at] = b"\r" + rng.choice(ENVELOPE_JUNK) + rng.choice([b"\r", b"\n", b"\r\n"])
            elif raw:
                raw[min(at, len(raw) - 1)] = rng.randrange(256)
        batch = read_batch(bytes(raw))
        acks = [process(m, now=NOW).ack_bytes for m in batch.messages]
        answer = build_batch_ack(batch, acks, now=NOW)
        assert answer.startswith(b"FHS|") and answer.endswith(b"FTS|1\r")
        assert [ack_code_of(a) for a in acks].count("") == 0
