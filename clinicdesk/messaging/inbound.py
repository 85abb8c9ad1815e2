"""Texts from patients, through the provider's inbound webhook: ``POST /m/sms/inbound/<provider>/``.

Authentication: the generic ``webhook`` provider calls ``.../inbound/webhook/?token=SECRET`` with the token of
``CLINICDESK_SMS_URL`` and a JSON body ``{"from", "body", "id"}``; ``twilio`` posts its form (``From``, ``Body``,
``MessageSid``) signed with ``X-Twilio-Signature`` (HMAC-SHA1 of the full URL plus the sorted parameters, keyed with
the auth token). Anything else is 403. The provider must be the configured one.

The first word of the text decides (case-insensitive):

* ``C`` / ``CONFIRM`` / ``YES``: the patient's next appointment that holds its time is confirmed.
* ``R``: a "new time" request is noted on that appointment (see responses.py).
* ``STOP`` (and the carriers' ``STOPALL``, ``UNSUBSCRIBE``, ``CANCEL``, ``END``, ``QUIT``): every patient with
  that mobile number gets ``consent_sms`` False through the patient service (audited); no further texts go out.
  ``CANCEL`` is a carrier stop word, so it never cancels an appointment.
* ``HELP`` / ``INFO``: a reply with the keywords and the practice's phone number is queued (sent even without
  consent: it answers the patient's own text).
* Anything else, or a number we do not know: ignored, answered 200 so the provider does not retry (the text is in
  the provider's log; there is no inbox yet to show it in).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.lib.phones import InvalidPhoneNumber, normalize_phone
from clinicdesk.messaging import sms
from clinicdesk.messaging.models import Channel
from clinicdesk.messaging.responses import CONFIRM, RESCHEDULE, appointment_respond, patient_actor
from clinicdesk.messaging.services import message_queue
from clinicdesk.patients.models import Patient
from clinicdesk.patients.services import patient_update
from clinicdesk.scheduling.models import HOLDING, Appointment

log = logging.getLogger(__name__)

CONFIRM_WORDS = frozenset({"C", "CONFIRM", "YES", "Y"})
RESCHEDULE_WORDS = frozenset({"R"})
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
HELP_WORDS = frozenset({"HELP", "INFO"})
HELP_TEMPLATE = "sms.help"
_TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twilio_signature(url: str, params: dict[str, str], auth_token: str) -> str:
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def classify(body: str) -> str:
    words = body.strip().upper().split()
    word = words[0].strip(".!") if words else ""
    if word in CONFIRM_WORDS:
        return "confirm"
    if word in RESCHEDULE_WORDS:
        return "reschedule"
    if word in STOP_WORDS:
        return "stop"
    if word in HELP_WORDS:
        return "help"
    return ""


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        config = sms.sms_config()
    except sms.SmsNotConfigured:
        return HttpResponse("No SMS provider is configured.", status=404, content_type="text/plain")
    if provider != config.kind:
        return HttpResponse("Not the configured provider.", status=404, content_type="text/plain")
    if provider == "twilio":
        params = {key: request.POST.get(key, "") for key in request.POST}
        expected = twilio_signature(request.build_absolute_uri(), params, config.secret)
        if not hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", "")):
            return HttpResponse("Signature refused.", status=403, content_type="text/plain")
        sender, body, provider_id = params.get("From", ""), params.get("Body", ""), params.get("MessageSid", "")
        ok: HttpResponse = HttpResponse(_TWIML_EMPTY, content_type="text/xml")
    else:
        if not config.secret or not hmac.compare_digest(config.secret, request.GET.get("token", "")):
            return HttpResponse("Token refused.", status=403, content_type="text/plain")
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return HttpResponse("Send JSON: {\"from\", \"body\"}.", status=400, content_type="text/plain")
        if not isinstance(data, dict):
            return HttpResponse("Send JSON: {\"from\", \"body\"}.", status=400, content_type="text/plain")
        sender, body, provider_id = str(data.get("from", "")), str(data.get("body", "")), str(data.get("id", ""))
        ok = JsonResponse({"ok": True})
    sms_receive(sender=sender, body=body, provider_id=provider_id)
    return ok


def sms_receive(*, sender: str, body: str, provider_id: str = "") -> str:
    """Act on one text; return what was done ("confirm", "reschedule", "stop", "help", or "" for nothing)."""
    keyword = classify(body)
    try:
        number = normalize_phone(sender)
    except InvalidPhoneNumber:
        return ""
    patients = list(Patient.objects.filter(phone_mobile=number).select_related("organization"))
    if not keyword or not patients:
        log.info("inbound SMS ignored (keyword %r, %d patients)", keyword, len(patients))
        return ""
    actor = patient_actor("sms")
    if keyword == "stop":
        for patient in patients:
            if patient.consent_sms:
                patient_update(actor=actor, patient=patient, fields={"consent_sms": False})
        return keyword
    if keyword == "help":
        _queue_help(actor, patients[0], number, provider_id)
        return keyword
    appointment = (Appointment.objects.filter(patient__in=patients, status__in=HOLDING, start__gt=timezone.now())
                   .order_by("start").first())
    if appointment is None:
        return ""
    try:
        appointment_respond(actor=actor, appointment=appointment,
                            action=CONFIRM if keyword == "confirm" else RESCHEDULE)
    except ValidationError:
        log.info("inbound SMS %s refused for appointment %s", keyword, appointment.pk)
        return ""
    return keyword


def _queue_help(actor: Actor, patient: Patient, number: str, provider_id: str) -> None:
    organization = patient.organization
    phone = f" or call {organization.phone}" if organization.phone else ""
    text = (f"{organization.name}: reply C to confirm your next appointment, R to ask for a new time{phone}. "
            "Reply STOP to stop texts.")
    key = f"sms-help:{provider_id or timezone.now().isoformat()}"
    message_queue(actor=actor, organization=organization, patient=patient, channel=Channel.SMS, to=number,
                  template=HELP_TEMPLATE, subject="", body=text, idempotency_key=key[:200])
