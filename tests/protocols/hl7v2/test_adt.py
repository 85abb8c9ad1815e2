"""ADT^A04/A08 → demographics."""

from __future__ import annotations

from datetime import date

from clinicdesk.protocols.hl7v2 import Demographics, parse
from clinicdesk.protocols.hl7v2.patient import Address, Phone

from .helpers import fixture


def adt(name: str) -> Demographics:
    result = parse(fixture(name))
    assert isinstance(result, Demographics)
    return result


def test_a04_registration_gives_address_phones_and_email() -> None:
    d = adt("adt_a04_251.hl7")
    assert d.event == "A04" and d.patient.birth_date == date(2001, 3, 15) and d.patient.sex == "X"
    assert d.addresses == (Address("42 ELM AVE", "APT 3", "SPRINGFIELD", "IL", "62704", "USA", "H"),)
    assert d.phones == (Phone("2175550101", "PRN", "PH"), Phone("2175550199 x12", "WPN", "PH"))
    assert d.emails == ("casey@example.org",)


def test_a08_update_reads_old_style_phone_and_ignores_z_segments() -> None:
    d = adt("adt_a08_24.hl7")
    assert d.event == "A08" and d.header.version == "2.4"
    assert d.phones == (Phone("(217)555-0102", "PRN", "CP"),) and d.emails == ()
    assert d.patient.identifiers[0].value == "LS000099"
