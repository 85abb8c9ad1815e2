"""Bytes → segments → fields → repetitions → components → subcomponents.

Decoding rules (documented because senders disagree):
- Segment separators: CR is the standard; LF and CRLF are accepted too, and blank lines are skipped.
- A UTF-8 byte-order mark is stripped; a UTF-16 BOM switches the decoding to UTF-16.
- Charset: MSH-18 when it names one we know (``UNICODE UTF-8``, ``8859/1``, ``ASCII``...); otherwise UTF-8
  when the bytes are valid UTF-8, else ISO 8859-1 (every byte sequence is valid latin-1, so decoding never fails).
- MSH-1 is the character right after ``MSH``; MSH-2 the next four (component, repetition, escape, subcomponent).
  Both must be distinct, non-alphanumeric characters.

Indexes are 1-based as in the standard: ``segment.value(3, 1)`` is field 3, component 1. For MSH,
field 1 is the field separator itself, so MSH-10 is ``msh.value(10)`` like every other segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import REQUIRED_FIELD_MISSING, SEGMENT_SEQUENCE_ERROR, HL7Error, Location, reject
from .escapes import Encoding, unescape

CHARSETS = {
    "ASCII": "ascii", "8859/1": "latin-1", "8859/15": "iso8859-15", "UNICODE UTF-8": "utf-8", "UTF-8": "utf-8",
    "UNICODE": "utf-8", "8859/2": "iso8859-2", "CP1252": "cp1252", "WINDOWS-1252": "cp1252",
}
_SEGMENT_SPLIT = re.compile(r"\r\n|\r|\n")
_LINE_END = re.compile(rb"[\r\n]")
_SEGMENT_NAME = re.compile(r"[A-Z][A-Z0-9]{2}")
_NAMES_SEEN: set[str] = set()
"""Segment ids that matched ``_SEGMENT_NAME`` (at most 26 × 36 × 36 of them), to skip the regex next time."""
HEADER_SEGMENTS = ("MSH", "FHS", "BHS")

Composite = tuple[tuple[str, ...], ...]
"""One repetition of a field: its components, each a tuple of subcomponents (unescaped)."""


def part(composite: Composite, component: int = 1, sub: int = 1) -> str:
    """Component ``component``, subcomponent ``sub`` (1-based) of a repetition; "" when absent."""
    if component > len(composite) or sub > len(composite[component - 1]):
        return ""
    return composite[component - 1][sub - 1]


def firsts(composite: Composite, count: int) -> list[str]:
    """``[part(composite, i).strip() for i in 1..count]``: subcomponent 1 of the first ``count`` components."""
    out = [c[0].strip() if c else "" for c in composite[:count]]
    if len(out) < count:
        out += [""] * (count - len(out))
    return out


@dataclass(frozen=True, init=False)
class Segment:
    name: str
    fields: tuple[str, ...]
    """Raw (still escaped) fields; ``fields[n]`` is field n, ``fields[0]`` the segment id."""
    encoding: Encoding
    charset: str
    sequence: int
    """1-based position of the segment in its message."""

    def __init__(self, name: str, fields: tuple[str, ...], encoding: Encoding, charset: str, sequence: int) -> None:
        # The generated __init__ of a frozen dataclass, in one step (a message has many segments). ``_memo``
        # holds the split fields by number (the segment is immutable, so each field is split at most once); it
        # is not a dataclass field: equality, hashing, repr and ``dataclasses.fields`` are as before.
        self.__dict__.update(name=name, fields=fields, encoding=encoding, charset=charset, sequence=sequence,
                             _memo={})

    def raw(self, n: int) -> str:
        return self.fields[n] if 0 < n < len(self.fields) else ""

    def _reps(self, n: int) -> tuple[Composite, ...]:
        """Field n split into repetitions → components → subcomponents (unescaped); memoized, never mutated."""
        memo: dict[int, tuple[Composite, ...]] = self.__dict__["_memo"]
        reps = memo.get(n)
        if reps is None:
            fields = self.fields
            reps = memo[n] = split_field(fields[n] if 0 < n < len(fields) else "", self.encoding, self.charset,
                                         verbatim=n in (1, 2) and self.name in HEADER_SEGMENTS)
        return reps

    def repetitions(self, n: int) -> list[Composite]:
        return list(self._reps(n))

    def value(self, n: int, component: int = 1, sub: int = 1, rep: int = 1) -> str:
        reps = self.__dict__["_memo"].get(n)
        if reps is None:
            if component == 1 and sub == 1 and rep == 1:
                # Fast path, no split: a field without delimiters (or empty) is its own first value.
                fields, enc = self.fields, self.encoding
                raw = fields[n] if 0 < n < len(fields) else ""
                if not (enc.component in raw or enc.repetition in raw or enc.subcomponent in raw or enc.escape in raw):
                    return raw.strip()
            reps = self._reps(n)
        if rep > len(reps):
            return ""
        composite = reps[rep - 1]
        if component > len(composite) or sub > len(composite[component - 1]):
            return ""
        return composite[component - 1][sub - 1].strip()

    def text(self, n: int) -> str:
        """The whole field as text, separators left in, escapes decoded (for free-text fields)."""
        if self.name in HEADER_SEGMENTS and n in (1, 2):
            return self.raw(n)
        return unescape(self.raw(n), self.encoding, self.charset)

    def loc(self, field: int | None = None, component: int | None = None) -> Location:
        return Location(self.name, self.sequence, field, component)


def split_field(raw: str, enc: Encoding, charset: str, *, verbatim: bool = False) -> tuple[Composite, ...]:
    """One raw field → its repetitions, each a tuple of components, each a tuple of unescaped subcomponents.

    Empty → no repetition. ``verbatim`` (MSH-1/MSH-2, which hold the delimiters themselves) and a field holding
    none of the component, repetition, subcomponent or escape characters → one repetition of one component of
    one subcomponent, the raw text as is.
    """
    if not raw:
        return ()
    component, repetition, subcomponent, esc = enc.component, enc.repetition, enc.subcomponent, enc.escape
    if verbatim or not (component in raw or repetition in raw or subcomponent in raw or esc in raw):
        return (((raw,),),)
    if not (subcomponent in raw or esc in raw):  # components (and repetitions) only: nothing to unescape
        if repetition in raw:
            return tuple([tuple([(c,) for c in rep.split(component)]) for rep in raw.split(repetition)])
        return (tuple([(c,) for c in raw.split(component)]),)
    reps: list[Composite] = []
    for rep in raw.split(repetition):
        components: list[tuple[str, ...]] = []
        for c in rep.split(component):
            if subcomponent in c:
                subs = c.split(subcomponent)
                components.append(tuple(unescape(s, enc, charset) for s in subs) if esc in c else tuple(subs))
            else:
                components.append((unescape(c, enc, charset) if esc in c else c,))
        reps.append(tuple(components))
    return tuple(reps)


@dataclass(frozen=True)
class Message:
    segments: tuple[Segment, ...]
    encoding: Encoding
    charset: str

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    @property
    def control_id(self) -> str:
        """MSH-10, the message control id that MSA-2 echoes."""
        return self.msh.value(10)


def _to_text(raw: bytes) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), "utf-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    declared = _declared_charset(raw)
    if declared:
        return raw.decode(declared, errors="replace"), declared
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _declared_charset(raw: bytes) -> str | None:
    """MSH-18 read from the header bytes (which are ASCII in every charset HL7 allows here)."""
    first = _first_line(raw).decode("latin-1")
    if not first.startswith("MSH") or len(first) < 8:
        return None
    fields = first.split(first[3])
    charset = fields[17].split(first[4])[0].split(first[5])[0].strip().upper() if len(fields) > 17 else ""
    return CHARSETS.get(charset)


def _first_line(raw: bytes) -> bytes:
    end = _LINE_END.search(raw)
    return raw[:end.start()] if end else raw


def read_encoding(line: str) -> Encoding:
    """MSH-1 and MSH-2 (or FHS/BHS-1 and -2) from the first line of a header segment."""
    where = Location(line[:3], 1, 2)
    if len(line) < 8:
        raise reject("header segment too short to carry its encoding characters", "100", where)
    chars = line[3:8]
    if len(set(chars)) != 5 or any(c.isalnum() or c.isspace() for c in chars):
        raise reject(f"bad encoding characters {chars!r} in MSH-1/MSH-2", "102", where)
    return Encoding(*chars)


def split_lines(raw: bytes) -> tuple[list[str], str]:
    text, charset = _to_text(raw)
    stripped = (line.strip("\x00\x0b\x1c \t")
                for line in (_SEGMENT_SPLIT.split(text) if "\n" in text else text.split("\r")))
    return [line for line in stripped if line], charset


def _known_name(name: str) -> bool:
    if _SEGMENT_NAME.fullmatch(name):
        _NAMES_SEEN.add(name)
        return True
    return False


def _segment(line: str, enc: Encoding, charset: str, sequence: int) -> Segment:
    name = line[:3]
    if (name not in _NAMES_SEEN and not _known_name(name)) or (len(line) > 3 and line[3] != enc.field):
        raise HL7Error(f"unreadable segment {line[:12]!a}", code=SEGMENT_SEQUENCE_ERROR,
                       ack_code="AR" if sequence == 1 else "AE", location=Location(name, sequence))
    parts = line.split(enc.field)
    fields = (name, enc.field, *parts[1:]) if name in HEADER_SEGMENTS else tuple(parts)
    return Segment(name, fields, enc, charset, sequence)


def parse_lines(lines: list[str], charset: str) -> Message:
    if not lines or not lines[0].startswith("MSH"):
        found = lines[0][:3] if lines else "nothing"
        raise reject(f"message must start with MSH, found {found!a}", SEGMENT_SEQUENCE_ERROR, Location("MSH", 1))
    enc = read_encoding(lines[0])
    segments = tuple(_segment(line, enc, charset, i) for i, line in enumerate(lines, start=1))
    msh = segments[0]
    if not msh.value(10):
        raise reject("MSH-10 message control id is empty", REQUIRED_FIELD_MISSING, msh.loc(10))
    return Message(segments, enc, charset)


def extend(header_only: Message, lines: list[str]) -> Message:
    """The whole message from ``header_only = parse_lines(lines[:1], charset)`` (its MSH, already checked) and
    the same ``lines``: the same result as ``parse_lines(lines, charset)`` without reading the MSH twice."""
    enc, charset = header_only.encoding, header_only.charset
    segments = (header_only.msh, *(_segment(line, enc, charset, i) for i, line in enumerate(lines[1:], start=2)))
    return Message(segments, enc, charset)


def decode(raw: bytes) -> Message:
    """One message. Raises HL7Error: AR when the bytes do not hold a readable MSH, AE for a garbled later segment."""
    lines, charset = split_lines(raw)
    return parse_lines(lines, charset)


def decode_msh(raw: bytes) -> Message:
    """Only the MSH, so that a message with a garbled body can still be answered with its own control id."""
    lines, charset = split_lines(raw)
    return parse_lines(lines[:1], charset)


def is_batch(raw: bytes) -> bool:
    lines, _ = split_lines(raw[:512])
    return bool(lines) and lines[0][:3] in ("FHS", "BHS")


def split_batch(raw: bytes) -> list[bytes]:
    """The messages of an FHS/BHS batch (or of a file of bare messages), each as CR-separated bytes.

    FHS/BHS/BTS/FTS envelope segments are dropped: each message is acknowledged on its own.
    """
    lines, charset = split_lines(raw)
    messages: list[list[str]] = []
    for line in lines:
        if line[:3] in ("FHS", "BHS", "BTS", "FTS"):
            continue
        if line.startswith("MSH") or not messages:
            messages.append([])
        messages[-1].append(line)
    return [("\r".join(m) + "\r").encode(charset if charset != "utf-16" else "utf-8") for m in messages]


def salvage_control_id(raw: bytes) -> str:
    """MSH-10 from a header we could not otherwise read (bad MSH-2, say), split on the field separator alone."""
    lines, _ = split_lines(raw)
    line = lines[0] if lines else ""
    if not line.startswith("MSH") or len(line) < 4 or line[3].isalnum() or line[3].isspace():
        return ""
    fields = line.split(line[3])
    return fields[9].strip() if len(fields) > 9 else ""
