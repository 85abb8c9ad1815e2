"""The one error type of the HL7 v2 codec, carrying everything an ACK needs to say what was wrong.

Acknowledgment codes (HL7 table 0008): AA accepted, AE application error (the content is wrong),
AR application reject (the envelope is wrong or unsupported: MSH, type, event, version, unreadable bytes).
Error codes (HL7 table 0357) are the ERR-3 (v2.5+) / ERR-1.4 (v2.3–2.4) values.
"""

from __future__ import annotations

from dataclasses import dataclass

SEGMENT_SEQUENCE_ERROR = "100"
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT_CODE = "201"
UNSUPPORTED_PROCESSING_ID = "202"
UNSUPPORTED_VERSION_ID = "203"
APPLICATION_INTERNAL_ERROR = "207"

ERROR_NAMES = {
    "0": "Message accepted",
    SEGMENT_SEQUENCE_ERROR: "Segment sequence error",
    REQUIRED_FIELD_MISSING: "Required field missing",
    DATA_TYPE_ERROR: "Data type error",
    TABLE_VALUE_NOT_FOUND: "Table value not found",
    UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    UNSUPPORTED_EVENT_CODE: "Unsupported event code",
    UNSUPPORTED_PROCESSING_ID: "Unsupported processing id",
    UNSUPPORTED_VERSION_ID: "Unsupported version id",
    APPLICATION_INTERNAL_ERROR: "Application internal error",
}


@dataclass(frozen=True)
class Location:
    """Where the error is: segment id, the segment's 1-based sequence in the message, field, component."""

    segment: str = ""
    sequence: int | None = None
    field: int | None = None
    component: int | None = None

    def __str__(self) -> str:
        text = self.segment or "message"
        if self.field is not None:
            text += f"-{self.field}"
            if self.component is not None:
                text += f".{self.component}"
        if self.sequence is not None:
            text += f" (segment {self.sequence})"
        return text


class HL7Error(Exception):
    """Bad input, with the ACK code (AE/AR), the table 0357 code, its location and a human text."""

    def __init__(self, text: str, *, code: str, ack_code: str = "AE", location: Location | None = None) -> None:
        self.text = text
        self.code = code
        self.ack_code = ack_code
        self.location = location or Location()
        super().__init__(f"{self.location}: {text} [{ack_code} {code}]")


def reject(text: str, code: str, location: Location | None = None) -> HL7Error:
    """An AR error: the envelope cannot be taken at all."""
    return HL7Error(text, code=code, ack_code="AR", location=location)
