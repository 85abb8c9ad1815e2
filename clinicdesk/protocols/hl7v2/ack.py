"""The general acknowledgment (ACK) for a message we received.

MSH: our side becomes the sender — MSH-3/4 ← their MSH-5/6, MSH-5/6 ← their MSH-3/4; MSH-9 is
``ACK^<their trigger>^ACK`` (v2.4+; ``ACK^<trigger>`` for v2.3/2.3.1); MSH-10 a new control id; MSH-11 and
MSH-12 echo theirs (2.5.1 when theirs is unreadable or unsupported).
MSA-1 acknowledgment code (AA/AE/AR), MSA-2 their MSH-10, MSA-3 a text message (human readable).
ERR on failure: v2.5+ ERR-2 location (ERL: segment ^ sequence ^ field ^ repetition ^ component), ERR-3 code
(CWE from table 0357), ERR-4 severity E, ERR-8 user message; v2.3–2.4 ERR-1 (ELD: segment ^ sequence ^ field ^
code&text&HL70357). We always write the standard delimiters ``|^~\\&`` and CR segment separators.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from .errors import ERROR_NAMES, HL7Error
from .escapes import escape
from .header import SUPPORTED_VERSIONS, Header

DEFAULT_VERSION = "2.5.1"


def new_control_id() -> str:
    """20 characters at most: MSH-10 is ST(20) in v2.3–2.5.1."""
    return "ACK" + secrets.token_hex(8).upper()


def build_ack(header: Header | None, error: HL7Error | None = None, *, now: datetime | None = None,
              control_id: Callable[[], str] = new_control_id) -> str:
    """AA when ``error`` is None, else the error's AE/AR with an ERR segment. ``header`` None: MSH was unreadable."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%z")
    version = header.version if header and header.version in SUPPORTED_VERSIONS else DEFAULT_VERSION
    trigger = header.trigger_event if header else ""
    message_type = f"ACK^{escape(trigger)}" if version in ("2.3", "2.3.1") else f"ACK^{escape(trigger)}^ACK"
    processing = header.processing_id if header and header.processing_id in ("P", "T", "D") else "P"
    them = [escape(x) for x in ((header.receiving_application, header.receiving_facility,
                                 header.sending_application, header.sending_facility) if header else ("",) * 4)]
    msh = ["MSH", "^~\\&", *them, stamp, "", message_type, control_id(), processing, version]
    if header and header.charset in ("utf-8", "utf-16"):
        msh += ["", "", "", "", "", "UNICODE UTF-8"]
    code = error.ack_code if error else "AA"
    msa = ["MSA", code, escape(header.control_id if header else "")]
    if error:
        msa.append(escape(error.text[:80]))
    segments = ["|".join(msh), "|".join(msa)]
    if error:
        segments.append(_err(error, version))
    return "\r".join(segments) + "\r"


def _err(error: HL7Error, version: str) -> str:
    where = error.location
    erl = [where.segment, str(where.sequence or ""), str(where.field or ""), "", str(where.component or "")]
    name = ERROR_NAMES.get(error.code, "")
    if version in ("2.5", "2.5.1"):
        fields = ["ERR", "", "^".join(erl).rstrip("^"), f"{error.code}^{name}^HL70357", "E", "", "", "",
                  escape(error.text)]
    else:
        fields = ["ERR", "^".join([*erl[:3], f"{error.code}&{name}&HL70357"])]
    return "|".join(fields)
