"""HL7 v2 batches: a file (FHS … FTS) of batches (BHS … BTS) of messages, or bare messages one after another.

Envelope fields (HL7 v2.5 chapter 2.15): FHS-3/4 sending application/facility, FHS-5/6 receiving application/
facility, FHS-7 creation time, FHS-9 file name/id, FHS-10 comment, FHS-11 file control id, FHS-12 reference file
control id (in an answer: the control id of the file answered). BHS-3..12 the same for one batch. BTS-1 the
batch's message count, BTS-2 a comment; FTS-1 the file's batch count, FTS-2 a comment.

Splitting keeps each message's bytes exactly as sent (its own segment separators, CR, LF or CRLF), so the stored
raw message is a slice of the file. Envelope segments are dropped: each message is processed and acknowledged on
its own, and the answer is a batch of those ACKs (``build_batch_ack``). Non-blank lines before the first MSH
become a chunk of their own, which the codec then answers AR: nothing in a file is silently skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .ack import new_control_id
from .errors import HL7Error
from .escapes import Encoding, escape
from .message import Segment, read_encoding

ENVELOPE = ("FHS", "BHS", "BTS", "FTS")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")
_NOISE = b"\x00\x0b\x1c \t"


@dataclass(frozen=True)
class Envelope:
    """The parties and names of an FHS or BHS (as read; empty strings when absent)."""

    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    name: str = ""
    control_id: str = ""


@dataclass(frozen=True)
class Batch:
    messages: tuple[bytes, ...]
    """Each message's bytes as sent (or chunks of stray lines, which the codec answers AR)."""
    file: Envelope | None = None
    batch: Envelope | None = None
    """The first BHS (a file may hold several; their messages are all in ``messages``)."""
    charset: str = "utf-8"
    problems: tuple[str, ...] = field(default_factory=tuple)
    """What did not add up (declared counts, unreadable envelope segments); reported in the answer's BTS-2."""


def _text(raw: bytes) -> tuple[bytes, str]:
    """The bytes to split and the charset of the envelope: UTF-16 is transcoded, a UTF-8 BOM dropped."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace").encode("utf-8"), "utf-8"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw, "latin-1"
    return raw, "utf-8"


def _envelope(line: str, charset: str, number: int) -> Envelope:
    enc = read_encoding(line)
    parts = line.split(enc.field)
    seg = Segment(line[:3], (line[:3], enc.field, *parts[1:]), enc, charset, number)
    return Envelope(seg.value(3), seg.value(4), seg.value(5), seg.value(6), seg.value(9), seg.value(11))


def _count(line: str, enc: Encoding) -> int | None:
    parts = line.split(enc.field)
    value = parts[1].split(enc.component)[0].strip() if len(parts) > 1 else ""
    return int(value) if value.isascii() and value.isdigit() else None


class _Splitter:
    def __init__(self, charset: str) -> None:
        self.charset = charset
        self.messages: list[tuple[int, int]] = []
        self.problems: list[str] = []
        self.file: Envelope | None = None
        self.batch: Envelope | None = None
        self.enc = Encoding()
        self.batches = 0
        self.in_batch = 0
        self.open = False

    def envelope(self, name: str, line: str, number: int) -> None:
        self.open = False
        if name in ("FHS", "BHS"):
            try:
                self.enc = read_encoding(line)
                read = _envelope(line, self.charset, number)
            except HL7Error as error:
                self.problems.append(f"{name} (line {number}) unreadable: {error.text}")
                read = Envelope()
            if name == "FHS":
                self.file = self.file or read
            else:
                self.batch, self.batches, self.in_batch = self.batch or read, self.batches + 1, 0
        elif name == "BTS":
            declared = _count(line, self.enc)
            if declared is not None and declared != self.in_batch:
                self.problems.append(f"BTS-1 says {declared} messages, the batch held {self.in_batch}")
        else:
            declared = _count(line, self.enc)
            if declared is not None and declared != self.batches:
                self.problems.append(f"FTS-1 says {declared} batches, the file held {self.batches}")

    def line(self, content: bytes, start: int, end: int, number: int) -> None:
        name = content[:3].decode("latin-1")
        if name in ENVELOPE:
            self.envelope(name, content.decode(self.charset, errors="replace"), number)
        elif name == "MSH" or not self.open:
            if name == "MSH" and len(content) > 3:
                self.enc = Encoding(field=chr(content[3]))
            self.messages.append((start, end))
            self.in_batch += name == "MSH"  # a chunk of stray lines is answered, not counted as a message
            self.open = True
        else:
            self.messages[-1] = (self.messages[-1][0], end)


def read_batch(raw: bytes) -> Batch:
    """Split a batch file (or bare messages, one after another) into its messages. Never raises."""
    data, charset = _text(raw)
    splitter = _Splitter(charset)
    number = 0
    for match in _LINE.finditer(data):
        content = match.group().rstrip(b"\r\n").strip(_NOISE)
        if not content:
            continue
        number += 1
        splitter.line(content, match.start(), match.end(), number)
    messages = tuple(data[s:e] for s, e in splitter.messages)
    return Batch(messages, splitter.file, splitter.batch, charset, tuple(splitter.problems))


def _parties(batch: Batch, acks: Sequence[bytes]) -> Envelope:
    """Our side of the answer: the sender's envelope turned round, or else the first ACK's MSH-3..6."""
    theirs = batch.file or batch.batch
    if theirs is not None:
        return Envelope(theirs.receiving_application, theirs.receiving_facility, theirs.sending_application,
                        theirs.sending_facility)
    for ack in acks:
        msh = ack.split(b"\r", 1)[0].decode("latin-1").split("|")
        if len(msh) > 5:
            return Envelope(*(p.split("^")[0] for p in msh[2:6]))
    return Envelope()


def _summary(codes: Sequence[str], problems: Sequence[str]) -> str:
    counts = {code: codes.count(code) for code in ("AA", "AE", "AR") if code in codes}
    text = f"{len(codes)} message{'s' if len(codes) != 1 else ''}: " + ", ".join(f"{n} {c}" for c, n in counts.items())
    return "; ".join([text.rstrip(": "), *problems])


def ack_code_of(ack: bytes) -> str:
    """MSA-1 of an ACK we built (standard delimiters)."""
    for line in ack.split(b"\r"):
        if line.startswith(b"MSA|"):
            return line.split(b"|")[1].decode("ascii", errors="replace")
    return ""


def build_batch_ack(batch: Batch, acks: Sequence[bytes], *, now: datetime | None = None,
                    control_id: Callable[[], str] = new_control_id) -> bytes:
    """FHS, BHS, one ACK per message (as given, in order), BTS (message count, summary), FTS (1 batch).

    FHS-12/BHS-12 name the file and batch answered (their FHS-11/BHS-11, else their FHS-9/BHS-9)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%z")
    us = _parties(batch, acks)
    parties = [escape(x) for x in (us.sending_application, us.sending_facility, us.receiving_application,
                                   us.receiving_facility)]

    def header(name: str, theirs: Envelope | None) -> str:
        reference = escape((theirs.control_id or theirs.name) if theirs else "")
        return "|".join([name, "^~\\&", *parties, stamp, "", "", "", control_id(), reference])

    summary = escape(_summary([ack_code_of(a) for a in acks], batch.problems)[:200])
    head = "\r".join([header("FHS", batch.file), header("BHS", batch.batch)]) + "\r"
    tail = f"BTS|{len(acks)}|{summary}\rFTS|1\r"
    return head.encode(batch.charset, errors="replace") + b"".join(acks) + tail.encode(batch.charset,
                                                                                       errors="replace")
