"""Thousands of deterministic mutations of the fixtures: nothing crashes and every message is answered."""

from __future__ import annotations

import contextlib
import random

import hl7
import pytest

from clinicdesk.protocols.hl7v2 import HL7Error, ack_for, parse, process

from .helpers import FIXTURES, NOW, ack_fields, fixed_id

SEEDS = 3000
SEPARATORS = b"|^~\\&\r\n"
JUNK_SEGMENTS = [b"ZZZ|1|2", b"OBX|9|NM|X||NaN||||||F", b"NTE|||\\X0\\", b"OBR", b"PID|||", b"MSH|^~\\&",
                 b"OBX|1|ED|X||^AP^PDF^Base64^@@@", b"\x00\xff\xfe", b"OBX|1|SN|X||>>^1^:^x||||||F"]
SOURCES = sorted(p.read_bytes() for p in FIXTURES.glob("*.hl7") if not p.name.startswith("broken_garbage"))


def mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        kind, at = rng.randrange(7), rng.randrange(len(data) + 1)
        if kind == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:  # truncate
            del data[at:]
        elif kind == 2:  # duplicate a separator
            data[at:at] = bytes([rng.choice(SEPARATORS)]) * rng.randint(1, 3)
        elif kind == 3 and data:  # remove a separator
            spots = [i for i, b in enumerate(data) if b in SEPARATORS]
            if spots:
                del data[rng.choice(spots)]
        elif kind == 4:  # insert a segment
            data[at:at] = b"\r" + rng.choice(JUNK_SEGMENTS) + b"\r"
        elif kind == 5:  # swap two slices
            a, b = sorted((at, rng.randrange(len(data) + 1)))
            data[a:b] = data[a:b][::-1]
        else:  # an escape sequence somewhere
            data[at:at] = rng.choice([b"\\", b"\\X", b"\\XGG\\", b"\\.br\\", b"\\E\\"])
    return bytes(data)


def first_line(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r", 1)[0]


@pytest.mark.parametrize("chunk", range(10))
def test_mutated_messages_never_crash_and_are_always_acknowledged(chunk: int) -> None:
    for seed in range(chunk * SEEDS // 10, (chunk + 1) * SEEDS // 10):
        rng = random.Random(seed)
        original = rng.choice(SOURCES)
        raw = mutate(original, rng)
        with contextlib.suppress(HL7Error):  # any other exception fails the test
            parse(raw)
        outcome = process(raw, now=NOW, control_id=fixed_id)
        assert outcome.error is None or outcome.error.code != "207", (seed, raw)
        ack = outcome.ack
        assert ack == ack_for(raw, now=NOW, control_id=fixed_id)
        fields = ack_fields(ack)
        assert fields["MSA"][1] in ("AA", "AE", "AR"), (seed, raw)
        parsed = hl7.parse(ack)
        assert str(parsed.segment("MSA")[1]) == fields["MSA"][1]
        header = first_line(original).split(b"|")
        if first_line(raw) == first_line(original) and header[0] == b"MSH" and len(header) > 9:
            assert fields["MSA"][2] == header[9].decode(), (seed, raw)
