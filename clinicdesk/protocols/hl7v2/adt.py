"""ADT^A04 (register a patient) and ADT^A08 (update patient information) → demographics.

ADT_A01 structure: MSH, [SFT], EVN, PID, [PD1], ... PV1, ... The event code is MSH-9.2 (EVN-1 repeats it
in older senders). Only PID is needed for demographics; everything else is accepted and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SEGMENT_SEQUENCE_ERROR, HL7Error, Location
from .header import Header, check_header
from .message import Message
from .patient import Address, Patient, Phone, read_addresses, read_patient, read_phones


@dataclass(frozen=True)
class Demographics:
    header: Header
    event: str
    patient: Patient
    addresses: tuple[Address, ...]
    phones: tuple[Phone, ...]
    emails: tuple[str, ...]


def read_adt(message: Message) -> Demographics:
    return read_adt_checked(message, check_header(message))


def read_adt_checked(message: Message, header: Header) -> Demographics:
    """``read_adt`` for a message whose header is already checked (``header = check_header(message)``)."""
    pid = next((s for s in message.segments if s.name == "PID"), None)
    if pid is None:
        raise HL7Error("ADT message has no PID segment", code=SEGMENT_SEQUENCE_ERROR, location=Location("PID"))
    phones, emails = read_phones(pid)
    return Demographics(header, header.trigger_event, read_patient(pid), read_addresses(pid), phones, emails)
