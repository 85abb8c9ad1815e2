"""One inbound message, end to end inside the codec: bytes → parsed result or error → ACK text.

The transport (MLLP) frames bytes and sends ``Outcome.ack`` back; storage and de-duplication (same
``key``: sending application, facility and MSH-10 acknowledged once) live outside the codec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .ack import build_ack, new_control_id
from .adt import Demographics, read_adt_checked
from .errors import APPLICATION_INTERNAL_ERROR, HL7Error
from .header import Header, check_header, read_header, validate_header
from .message import Message, decode, extend, parse_lines, salvage_control_id, split_batch, split_lines
from .oru import ResultMessage, read_oru_checked


@dataclass(frozen=True)
class Outcome:
    ack: str
    header: Header | None
    parsed: ResultMessage | Demographics | None
    error: HL7Error | None

    @property
    def accepted(self) -> bool:
        return self.error is None

    @property
    def ack_bytes(self) -> bytes:
        """The ACK in the sender's charset when it is a single-byte one it declared or used, else UTF-8."""
        charset = self.header.charset if self.header and self.header.charset not in ("", "utf-16") else "utf-8"
        return self.ack.encode(charset, errors="replace")

    @property
    def key(self) -> tuple[str, str, str] | None:
        """(sending application, sending facility, MSH-10) for duplicate detection; None when MSH was unreadable."""
        h = self.header
        return (h.sending_application, h.sending_facility, h.control_id) if h else None


def _bare_header(control_id: str) -> Header | None:
    return Header("", "", "", "", None, "", "", control_id, "", "", "") if control_id else None


def parse(raw: bytes) -> ResultMessage | Demographics:
    """Parse and validate one message; raises HL7Error (and only HL7Error) on bad input."""
    message = decode(raw)
    return _read(message, check_header(message))


def _read(message: Message, header: Header) -> ResultMessage | Demographics:
    """The body of a message whose header passed ``check_header``."""
    return read_oru_checked(message, header) if header.message_type == "ORU" else read_adt_checked(message, header)


def process(raw: bytes, *, now: datetime | None = None,
            control_id: Callable[[], str] = new_control_id) -> Outcome:
    """Never raises: every message is answered, even bytes with no readable MSH (AR, MSA-2 empty)."""
    header: Header | None = None
    try:
        # = read_header(decode_msh(raw)), then parse(raw), with the bytes split and the MSH read only once
        lines, charset = split_lines(raw)
        header_only = parse_lines(lines[:1], charset)
        header = read_header(header_only)
        message = extend(header_only, lines)
        parsed = _read(message, validate_header(header, message.msh))
    except HL7Error as error:
        header = header or _bare_header(salvage_control_id(raw))
        return Outcome(build_ack(header, error, now=now, control_id=control_id), header, None, error)
    except Exception as exc:  # a bug of ours must still be answered, as AE 207, not a dropped connection
        internal = HL7Error(f"internal error while reading the message ({type(exc).__name__})",
                            code=APPLICATION_INTERNAL_ERROR)
        return Outcome(build_ack(header, internal, now=now, control_id=control_id), header, None, internal)
    return Outcome(build_ack(header, None, now=now, control_id=control_id), header, parsed, None)


def ack_for(raw: bytes, *, now: datetime | None = None, control_id: Callable[[], str] = new_control_id) -> str:
    """The ACK text for ``raw``; always a well-formed ACK (see ``process``)."""
    return process(raw, now=now, control_id=control_id).ack


def process_batch(raw: bytes, *, now: datetime | None = None) -> list[Outcome]:
    """Each message of an FHS/BHS batch processed and acknowledged on its own."""
    return [process(message, now=now) for message in split_batch(raw)]
