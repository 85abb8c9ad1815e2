"""PID, the patient identification segment, shared by ORU and ADT.

PID-3 patient identifier list (CX, repeating, required), PID-5 name (XPN, repeating; the legal name ``L`` in
XPN.7 wins), PID-7 date of birth, PID-8 administrative sex (table 0001), PID-11 address (XAD, repeating),
PID-13 home phone / PID-14 business phone (XTN, repeating; XTN.4 holds an e-mail when XTN.3 is ``Internet``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .datatypes import Identifier, PersonName, ts_field
from .errors import REQUIRED_FIELD_MISSING, HL7Error
from .message import Segment, part


@dataclass(frozen=True)
class Patient:
    identifiers: tuple[Identifier, ...]
    name: PersonName
    birth_date: date | None
    sex: str


@dataclass(frozen=True)
class Address:
    """XAD: street ^ other designation ^ city ^ state ^ zip ^ country ^ address type (H home, M mailing...)."""

    street: str
    other: str
    city: str
    state: str
    postal_code: str
    country: str
    type: str


@dataclass(frozen=True)
class Phone:
    """XTN: [old-style number] ^ use code (PRN, WPN, NET...) ^ equipment (PH, CP, FX, Internet) ^ e-mail ^
    country code ^ area code ^ local number ^ extension."""

    number: str
    use: str
    equipment: str


def read_patient(pid: Segment) -> Patient:
    identifiers = tuple(Identifier.of(rep) for rep in pid.repetitions(3) if part(rep).strip())
    if not identifiers:
        raise HL7Error("PID-3 patient identifier is empty", code=REQUIRED_FIELD_MISSING, location=pid.loc(3))
    names = pid.repetitions(5)
    legal = next((n for n in names if part(n, 7) == "L"), names[0] if names else ((),))
    born = ts_field(pid, 7)  # = parse_date(pid.value(7), pid.loc(7))
    return Patient(identifiers, PersonName.of(legal), born.value.date() if born else None, pid.value(8).upper())


def read_addresses(pid: Segment) -> tuple[Address, ...]:
    return tuple(Address(*(part(r, i).strip() for i in range(1, 8))) for r in pid.repetitions(11) if any(r[0]))


def read_phones(pid: Segment) -> tuple[tuple[Phone, ...], tuple[str, ...]]:
    """(phones, e-mail addresses) from PID-13 and PID-14."""
    phones: list[Phone] = []
    emails: list[str] = []
    for n in (13, 14):
        for r in pid.repetitions(n):
            use, equipment = part(r, 2).strip(), part(r, 3).strip()
            if equipment.upper() == "INTERNET" or use.upper() == "NET":
                if part(r, 4).strip():
                    emails.append(part(r, 4).strip())
                continue
            number = part(r, 1).strip() or "".join(part(r, i).strip() for i in (6, 7))
            if part(r, 8).strip():
                number += f" x{part(r, 8).strip()}"
            if number:
                phones.append(Phone(number, use or ("PRN" if n == 13 else "WPN"), equipment))
    return tuple(phones), tuple(emails)
