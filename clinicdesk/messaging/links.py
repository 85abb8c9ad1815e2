"""Signed, single-use links in reminders: confirm, cancel, or ask for a new time, without logging in.

A token is ``TimestampSigner(salt=SALT).sign_object({"m": message id, "a": appointment id, "x": action})``: it
cannot be forged or altered without the secret key. It is good until the appointment starts (and at most
:data:`MAX_AGE` after it was made), while the appointment still holds its time, and only once: the first answer
records a :class:`~clinicdesk.messaging.models.LinkUse` for the message, and every link of that reminder is used
up (a replayed, forwarded or second link is refused with a plain page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from clinicdesk.messaging.models import LinkUse, OutboundMessage
from clinicdesk.messaging.responses import ACTIONS, CANCEL, CONFIRM, RESCHEDULE
from clinicdesk.scheduling.models import HOLDING, Appointment

SALT = "clinicdesk.messaging.links"
MAX_AGE = timedelta(days=120)


class LinkRefused(Exception):
    """The link cannot be used; ``status`` is 400 (not a link of ours) or 410 (expired or used)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class LinkTarget:
    message: OutboundMessage
    appointment: Appointment
    action: str


def link_token(message: OutboundMessage, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if message.appointment_id is None:
        raise ValueError("only a message about an appointment carries links")
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"m": message.pk, "a": message.appointment_id, "x": action})


def link_path(message: OutboundMessage, action: str) -> str:
    """The path of the link (prefix the practice's public address to put it in a message)."""
    return reverse("messaging:link", args=[link_token(message, action)])


# Merge fields for the links. A reminder is rendered before its message (and so its id) exists: it is rendered with
# markers, and message_queue swaps each marker for the absolute signed link in the transaction that stores it.
LINK_FIELDS = {"confirm_link": CONFIRM, "cancel_link": CANCEL, "reschedule_link": RESCHEDULE}
NO_PUBLIC_URL = "CLINICDESK_PUBLIC_URL is not set: messages go out without links"


def link_marker(action: str) -> str:
    return f"[[clinicdesk-link:{action}]]"


def link_markers() -> dict[str, str]:
    return {field: link_marker(action) for field, action in LINK_FIELDS.items()}


def public_url(path: str) -> str:
    """``path`` under CLINICDESK_PUBLIC_URL; empty when that is not set (a relative link is no use in a message)."""
    base = settings.CLINICDESK_PUBLIC_URL
    return f"{base}{path}" if base else ""


def fill_links(message: OutboundMessage) -> bool:
    """Replace the link markers in a stored message with its absolute signed links; True if anything changed."""
    if message.appointment_id is None or "[[clinicdesk-link:" not in message.body + message.subject:
        return False
    for action in LINK_FIELDS.values():
        url = public_url(link_path(message, action))
        message.body = message.body.replace(link_marker(action), url)
        message.subject = message.subject.replace(link_marker(action), url)
    return True


def link_check(token: str) -> LinkTarget:
    """What the token allows now, or ``LinkRefused`` with words a patient understands."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkRefused("This link has expired.", 410) from exc
    except signing.BadSignature as exc:
        raise LinkRefused("This link is not valid. Please check that it was copied completely.", 400) from exc
    if (not isinstance(data, dict) or data.get("x") not in ACTIONS or not isinstance(data.get("m"), int)
            or not isinstance(data.get("a"), int)):
        raise LinkRefused("This link is not valid.", 400)
    message = (OutboundMessage.objects.select_related("appointment__location", "appointment__practitioner",
                                                      "appointment__appointment_type", "organization")
               .filter(pk=data["m"], appointment_id=data["a"]).first())
    if message is None or message.appointment is None:
        raise LinkRefused("This link is not valid.", 400)
    if LinkUse.objects.filter(message=message).exists():
        raise LinkRefused("This link has already been used. If you need to change your appointment, please call "
                          "the practice.", 410)
    appointment = message.appointment
    if appointment.status not in HOLDING:
        raise LinkRefused(f"This appointment is {appointment.get_status_display().lower()}; the link no longer "
                          "works. Please call the practice.", 410)
    if appointment.start <= timezone.now():
        raise LinkRefused("This appointment has already started; the link no longer works.", 410)
    return LinkTarget(message=message, appointment=appointment, action=str(data["x"]))
