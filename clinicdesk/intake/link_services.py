"""The patient's form link: signed, expiring, no login. One link covers the patient's open assignments at the
time it is sent; it stops working when it expires, when it is revoked, or once every form on it is submitted.

The token is ``TimestampSigner(salt=SALT).sign_object({"l": link id, "n": nonce})``: it cannot be forged or
altered without the secret key, and the nonce (kept in the database) makes a token of a deleted or replaced row
useless. Messages go out through ``messaging.services.message_queue``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.intake.models import FormAssignment, FormLink
from clinicdesk.intake.selectors import forms_outstanding
from clinicdesk.messaging.links import public_url
from clinicdesk.messaging.services import message_queue
from clinicdesk.patients.models import Patient

SALT = "clinicdesk.intake.form-link"
LIFETIME = timedelta(days=7)


class LinkRefused(Exception):
    """``status`` 400: not a link of ours; 410: expired, revoked or done."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def link_token(link: FormLink) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"l": link.pk, "n": link.nonce})


def link_path(link: FormLink) -> str:
    return reverse("intake_link:start", args=[link_token(link)])


def form_link_create(*, actor: Actor, patient: Patient, channel: str = "", sent_to: str = "",
                     lifetime: timedelta = LIFETIME) -> FormLink:
    """A link for the patient's open assignments; ValidationError when there are none."""
    open_ones = forms_outstanding(patient=patient)
    if not open_ones:
        raise ValidationError("This patient has no forms to fill in; assign a form first.")
    now = timezone.now()
    link = FormLink(organization_id=patient.organization_id, patient=patient, nonce=secrets.token_urlsafe(18),
                    channel=channel, sent_to=sent_to, created_by=actor.user, created_at=now,
                    expires_at=now + lifetime)
    link.full_clean()
    with transaction.atomic():
        link.save()
        link.assignments.set(open_ones)
        audit_record(actor=actor, action=Action.CREATE, object_type="intake.FormLink", object_id=link.pk,
                     patient_id=patient.pk, organization_id=patient.organization_id,
                     detail={"assignments": [a.pk for a in open_ones], "channel": channel,
                             "expires_at": link.expires_at.isoformat()})
    return link


def form_link_send(*, actor: Actor, patient: Patient, channel: str) -> FormLink:
    """Create a link and queue it to the patient by e-mail or SMS (ValidationError with a reason otherwise)."""
    if channel == "email":
        to = patient.email
        if not to:
            raise ValidationError("The patient has no e-mail address on file.")
    elif channel == "sms":
        to = patient.phone_mobile
        if not to:
            raise ValidationError("The patient has no mobile phone number on file.")
    else:
        raise ValidationError("Choose e-mail or text message.")
    with transaction.atomic():
        link = form_link_create(actor=actor, patient=patient, channel=channel, sent_to=to)
        url = public_url(link_path(link))
        if not url:
            raise ValidationError("CLINICDESK_PUBLIC_URL is not set, so a link cannot be sent.")
        practice = patient.organization.name
        titles = ", ".join(a.title for a in link.assignments.all())
        expires = timezone.localtime(link.expires_at, patient.organization.tz).strftime("%B %d")
        if channel == "sms":
            subject = ""
            body = f"{practice}: please fill in your forms before your visit: {url} (until {expires})"
        else:
            subject = f"Forms to fill in before your visit to {practice}"
            body = (f"Hello {patient.preferred_name or patient.given_name},\n\nPlease fill in these forms before "
                    f"your visit: {titles}.\n\n{url}\n\nThe link works until {expires}. It is personal: please "
                    f"do not forward it.\n\n{practice}")
        message = message_queue(actor=actor, organization=patient.organization, patient=patient, channel=channel,
                                to=to, template="intake.form_link", subject=subject, body=body,
                                idempotency_key=f"intake.form_link:{link.pk}")
        link.message_id = message.pk
        link.save(update_fields=["message_id"])
    return link


def link_check(token: str) -> FormLink:
    """The link the token stands for, if it may still be used; LinkRefused with words a patient understands."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=LIFETIME * 4)
    except signing.SignatureExpired as exc:
        raise LinkRefused("This link has expired. Please call the practice for a new one.", 410) from exc
    except signing.BadSignature as exc:
        raise LinkRefused("This link is not valid. Please check that it was copied completely.", 400) from exc
    if not isinstance(data, dict) or not isinstance(data.get("l"), int) or not isinstance(data.get("n"), str):
        raise LinkRefused("This link is not valid.", 400)
    link = (FormLink.objects.select_related("patient", "organization")
            .filter(pk=data["l"], nonce=data["n"]).first())
    if link is None:
        raise LinkRefused("This link is not valid.", 400)
    if link.revoked_at is not None:
        raise LinkRefused("This link has been withdrawn. Please call the practice.", 410)
    if link.expires_at <= timezone.now():
        raise LinkRefused("This link has expired. Please call the practice for a new one.", 410)
    if not any(a.is_open for a in link.assignments.all()):
        raise LinkRefused("These forms have already been submitted. Thank you! If something needs changing, "
                          "please tell the front desk.", 410)
    return link


def link_assignments(link: FormLink) -> list[FormAssignment]:
    return list(link.assignments.select_related("form").order_by("created_at", "pk"))
