"""MSH, read and checked: which messages we take, in which versions.

MSH-3 sending application, MSH-4 sending facility, MSH-5 receiving application, MSH-6 receiving facility,
MSH-7 date/time of message, MSH-9 message type (MSG: type ^ trigger event ^ structure), MSH-10 control id,
MSH-11 processing id (P production, T training, D debugging), MSH-12 version id, MSH-18 character set.
"""

from __future__ import annotations

from dataclasses import dataclass

from .datatypes import Timestamp, parse_ts, ts_field
from .errors import (
    REQUIRED_FIELD_MISSING,
    UNSUPPORTED_EVENT_CODE,
    UNSUPPORTED_MESSAGE_TYPE,
    UNSUPPORTED_PROCESSING_ID,
    UNSUPPORTED_VERSION_ID,
    HL7Error,
    reject,
)
from .message import Message, Segment

SUPPORTED_VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1")
SUPPORTED_EVENTS = {"ORU": ("R01",), "ADT": ("A04", "A08")}


@dataclass(frozen=True)
class Header:
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    sent_at: Timestamp | None
    message_type: str
    trigger_event: str
    control_id: str
    processing_id: str
    version: str
    charset: str


def read_header(message: Message) -> Header:
    """Reads MSH without judging type or version, so even a rejected message can be answered in kind."""
    msh = message.msh
    try:
        sent_at = ts_field(msh, 7)
    except HL7Error:
        sent_at = None
    return Header(
        sending_application=msh.value(3), sending_facility=msh.value(4),
        receiving_application=msh.value(5), receiving_facility=msh.value(6), sent_at=sent_at,
        message_type=msh.value(9, 1).upper(), trigger_event=msh.value(9, 2).upper(),
        control_id=msh.value(10), processing_id=msh.value(11, 1).upper(), version=msh.value(12, 1),
        charset=message.charset,
    )


def check_header(message: Message) -> Header:
    """AR for anything in MSH we do not take; AE 102 for a malformed MSH-7."""
    return validate_header(read_header(message), message.msh)


def validate_header(header: Header, msh: Segment) -> Header:
    """``check_header`` for a header already read (``header = read_header(message)``, ``msh = message.msh``)."""
    if not header.message_type:
        raise reject("MSH-9 message type is empty", REQUIRED_FIELD_MISSING, msh.loc(9, 1))
    if header.message_type not in SUPPORTED_EVENTS:
        raise reject(f"message type {header.message_type} is not accepted here (only ORU^R01, ADT^A04, ADT^A08)",
                     UNSUPPORTED_MESSAGE_TYPE, msh.loc(9, 1))
    if header.trigger_event not in SUPPORTED_EVENTS[header.message_type]:
        raise reject(f"event {header.message_type}^{header.trigger_event or '(empty)'} is not accepted here",
                     UNSUPPORTED_EVENT_CODE, msh.loc(9, 2))
    if not header.version:
        raise reject("MSH-12 version id is empty", REQUIRED_FIELD_MISSING, msh.loc(12))
    if header.version not in SUPPORTED_VERSIONS:
        raise reject(f"HL7 version {header.version} is not supported (2.3 to 2.5.1)", UNSUPPORTED_VERSION_ID,
                     msh.loc(12))
    if header.processing_id not in ("", "P", "T", "D"):
        raise reject(f"processing id {header.processing_id!r} is not P, T or D", UNSUPPORTED_PROCESSING_ID,
                     msh.loc(11))
    if header.sent_at is None:  # empty, or unreadable: read again, this time to raise
        parse_ts(msh.value(7), msh.loc(7))
    return header
