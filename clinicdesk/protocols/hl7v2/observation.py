"""OBX, one observation, and its value by type (OBX-2, HL7 table 0125).

OBX-1 set id, OBX-2 value type, OBX-3 observation identifier (CE/CWE, usually LOINC, required), OBX-4 sub-id,
OBX-5 value (repeating), OBX-6 units (CE), OBX-7 reference range, OBX-8 abnormal flags (repeating, table 0078:
L, H, LL, HH, N, A, AA...), OBX-11 result status (table 0085, required), OBX-14 date/time of the observation.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from decimal import Decimal

from .datatypes import Coded, StructuredNumeric, Timestamp, nm_field, ts_field
from .errors import DATA_TYPE_ERROR, REQUIRED_FIELD_MISSING, TABLE_VALUE_NOT_FOUND, HL7Error
from .escapes import unescape
from .message import Composite, Segment, part

OBSERVATION_STATUSES = {
    "C": "corrected", "D": "deleted", "F": "final", "I": "pending", "N": "not asked", "O": "order detail",
    "P": "preliminary", "R": "not verified", "S": "partial", "U": "final (status change)", "W": "wrong",
    "X": "cannot be obtained",
}
TEXT_TYPES = ("ST", "TX", "FT")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Encapsulated:
    """ED: source application ^ type of data (e.g. application, AP) ^ subtype (e.g. pdf) ^ encoding (Base64, Hex,
    A for ASCII) ^ data. ``data`` holds the decoded bytes."""

    type: str
    subtype: str
    encoding: str
    data: bytes

    @property
    def mime_type(self) -> str:
        kind = "application" if self.type.upper() in ("AP", "APPLICATION", "") else self.type.lower()
        return f"{kind}/{self.subtype.lower() or 'octet-stream'}"


Value = Decimal | str | Coded | StructuredNumeric | Encapsulated


@dataclass(frozen=True)
class Observation:
    set_id: str
    value_type: str
    code: Coded
    sub_id: str
    values: tuple[Value, ...]
    units: Coded | None
    reference_range: str
    abnormal_flags: tuple[str, ...]
    status: str
    observed_at: Timestamp | None
    notes: tuple[str, ...] = ()

    @property
    def value(self) -> Value | None:
        return self.values[0] if self.values else None

    @property
    def status_name(self) -> str:
        return OBSERVATION_STATUSES[self.status]


def _encapsulated(rep: Composite, obx: Segment) -> Encapsulated:
    encoding, payload = part(rep, 4).strip(), _WHITESPACE.sub("", part(rep, 5))
    where = obx.loc(5, 5)
    try:
        if encoding.upper() == "BASE64":
            data = base64.b64decode(payload, validate=True)
        elif encoding.upper() == "HEX":
            data = binascii.unhexlify(payload)
        elif encoding.upper() == "A":
            data = part(rep, 5).encode("utf-8")
        else:
            raise HL7Error(f"ED encoding {encoding!r} is not Base64, Hex or A", code=DATA_TYPE_ERROR,
                           location=obx.loc(5, 4))
    except (binascii.Error, ValueError) as exc:
        raise HL7Error(f"ED data is not valid {encoding} ({exc})", code=DATA_TYPE_ERROR, location=where) from exc
    return Encapsulated(part(rep, 2).strip(), part(rep, 3).strip(), encoding, data)


def _values(obx: Segment, value_type: str) -> tuple[Value, ...]:
    reps = [r for r in obx.repetitions(5) if _filled(r)]
    if value_type in TEXT_TYPES:
        text = "\n".join(_texts(obx))
        return (text,) if text.strip() else ()
    if value_type == "NM":
        return tuple(nm_field(part(r), obx, 5) for r in reps)
    if value_type in ("CE", "CWE", "CNE"):
        return tuple(Coded.of(r) for r in reps)
    if value_type == "SN":
        return tuple(StructuredNumeric.of(r, obx.loc(5)) for r in reps)
    if value_type == "ED":
        return tuple(_encapsulated(r, obx) for r in reps)
    return tuple(_texts(obx)) if reps else ()


def _filled(rep: Composite) -> bool:
    """Some subcomponent of the repetition holds more than whitespace."""
    if len(rep) == 1 and len(rep[0]) == 1:
        return bool(rep[0][0].strip())
    return any(s.strip() for c in rep for s in c)


def _texts(obx: Segment) -> list[str]:
    """OBX-5's repetitions as text (separators left in, escapes decoded)."""
    return [unescape(raw, obx.encoding, obx.charset) for raw in obx.raw(5).split(obx.encoding.repetition)]


def read_observation(obx: Segment) -> Observation:
    return read_observation_noted(obx, ())


def read_observation_noted(obx: Segment, notes: tuple[str, ...]) -> Observation:
    """``dataclasses.replace(read_observation(obx), notes=notes)``, built once."""
    identifiers = obx.repetitions(3)
    code = Coded.of(identifiers[0]) if identifiers else Coded("")
    if not (code.code or code.text):
        raise HL7Error("OBX-3 observation identifier is empty", code=REQUIRED_FIELD_MISSING, location=obx.loc(3))
    status = obx.value(11).upper()
    if not status:
        raise HL7Error("OBX-11 observation result status is empty", code=REQUIRED_FIELD_MISSING,
                       location=obx.loc(11))
    if status not in OBSERVATION_STATUSES:
        raise HL7Error(f"OBX-11 status {status!r} is not in HL7 table 0085", code=TABLE_VALUE_NOT_FOUND,
                       location=obx.loc(11))
    value_type = obx.value(2).upper()
    if not value_type and obx.raw(5).strip():
        raise HL7Error("OBX-2 value type is empty but OBX-5 has a value", code=REQUIRED_FIELD_MISSING,
                       location=obx.loc(2))
    units = Coded.of(obx.repetitions(6)[0]) if obx.value(6) else None
    flags = tuple(flag for flag in (part(r).strip() for r in obx.repetitions(8)) if flag)
    return Observation(
        set_id=obx.value(1), value_type=value_type, code=code, sub_id=obx.value(4),
        values=_values(obx, value_type), units=units, reference_range=obx.text(7).strip(),
        abnormal_flags=flags, status=status, observed_at=ts_field(obx, 14), notes=notes,
    )
