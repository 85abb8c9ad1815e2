"""Waitlist offers go to the patient: the scheduling code creates the offers, the every-minute sweep sends each open
one by the patient's consented channel (text first, then e-mail) with a signed accept link. The first patient to
accept gets the time (scheduling.waitlist.waitlist_accept); the others' links then say the time is taken.

Nothing in scheduling calls this: the sweep finds offers that have no message yet (idempotency key
``waitlist-offer:{id}``), so an offer is sent once whoever created it. An offer for a patient with no consented
channel stays on the waitlist screen for staff to call, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinicdesk.audit.services import Actor
from clinicdesk.messaging.links import public_url
from clinicdesk.messaging.models import Channel, OutboundMessage
from clinicdesk.messaging.services import message_queue
from clinicdesk.scheduling.models import OfferStatus, WaitlistOffer

SALT = "clinicdesk.messaging.offers"
TEMPLATE = "waitlist.offer"
_ACTOR = Actor.system(via="waitlist")
_LOOKBACK = timedelta(days=2)


KEY_PREFIX = "waitlist-offer:"


def offer_key(offer: WaitlistOffer) -> str:
    return f"{KEY_PREFIX}{offer.pk}"


def offer_token(offer: WaitlistOffer) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"o": offer.pk})


def offer_from_token(token: str) -> WaitlistOffer | None:
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=timedelta(days=30))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        return None
    return (WaitlistOffer.objects.select_related("entry__patient", "entry__organization", "entry__appointment_type",
                                                 "practitioner", "location").filter(pk=data["o"]).first())


def offer_when(offer: WaitlistOffer) -> str:
    tz = ZoneInfo(offer.location.timezone or offer.entry.organization.timezone)
    local = offer.start.astimezone(tz)
    hour = local.hour % 12 or 12
    return f"{local:%A}, {local:%B} {local.day} at {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"


@dataclass(frozen=True)
class OfferText:
    channel: str
    to: str
    subject: str
    body: str


def offer_text(offer: WaitlistOffer) -> OfferText | None:
    """The message for one offer, by the patient's consented channel; None when there is none."""
    patient = offer.entry.patient
    if patient.consent_sms and patient.phone_mobile:
        channel, to = Channel.SMS, patient.phone_mobile
    elif patient.consent_email and patient.email:
        channel, to = Channel.EMAIL, patient.email
    else:
        return None
    organization = offer.entry.organization
    link = public_url(reverse("messaging:offer", args=[offer_token(offer)]))
    how = f"To take it, open {link}" if link else f"To take it, call {organization.phone or 'the practice'}"
    body = (f"{organization.name}: a {offer.entry.appointment_type.name} time has come free on {offer_when(offer)} "
            f"with {offer.practitioner.display_name} at {offer.location.name}. {how}. The first to answer gets it.")
    subject = "An earlier appointment is free" if channel == Channel.EMAIL else ""
    return OfferText(channel, to, subject, body)


def offers_send_pending(*, now: datetime | None = None) -> int:
    """Queue a message for every open offer that has none yet; return how many were queued."""
    now = now or timezone.now()
    offers = list(WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__gt=now,
                                               created_at__gte=now - _LOOKBACK)
                  .select_related("entry__patient", "entry__organization", "entry__appointment_type",
                                  "practitioner", "location"))
    if not offers:
        return 0
    taken = set(OutboundMessage.objects.filter(idempotency_key__in=[offer_key(o) for o in offers])
                .values_list("organization_id", "idempotency_key"))
    queued = 0
    for offer in offers:
        organization = offer.entry.organization
        if (organization.pk, offer_key(offer)) in taken:
            continue
        text = offer_text(offer)
        if text is None:
            continue
        try:
            message_queue(actor=_ACTOR, organization=organization, patient=offer.entry.patient, channel=text.channel,
                          to=text.to, template=TEMPLATE, subject=text.subject, body=text.body,
                          idempotency_key=offer_key(offer))
        except ValidationError:
            continue  # an address that cannot be used: the offer stays on the waitlist screen
        queued += 1
    return queued
