"""What becomes of a message after the provider took it: delivery reports and bounces.

* ``POST /m/sms/status/webhook/?token=SECRET`` — the generic provider, JSON ``{"id", "status", "error"}`` where
  ``id`` is the id it answered the send with and ``status`` is ``delivered``, ``failed`` or ``undelivered``.
* ``POST /m/sms/status/twilio/`` — Twilio's status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``),
  signed with ``X-Twilio-Signature`` like the inbound webhook. ``queued``/``sending``/``sent`` are progress and
  change nothing.
* Bounced e-mail: ``clinicdesk message_bounce < report.eml`` (a pipe alias on the bounce address) reads a delivery
  status notification (RFC 3464), finds the original ``Message-ID`` and marks the message ``bounced``.

Every report is idempotent (see log_services); an unknown id is answered 200 so the provider does not retry.
"""

from __future__ import annotations

import hmac
import json
from email import message_from_bytes
from email.message import Message

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.messaging import sms
from clinicdesk.messaging.inbound import twilio_signature
from clinicdesk.messaging.log_services import message_report_by_provider_id
from clinicdesk.messaging.models import MessageStatus, OutboundMessage

STATUS_WORDS = {"delivered": MessageStatus.DELIVERED, "failed": MessageStatus.FAILED,
                "undelivered": MessageStatus.FAILED}


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain")


@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        config = sms.sms_config()
    except sms.SmsNotConfigured:
        return _plain("No SMS provider is configured.", 404)
    if provider != config.kind:
        return _plain("Not the configured provider.", 404)
    if provider == "twilio":
        params = {key: request.POST.get(key, "") for key in request.POST}
        expected = twilio_signature(request.build_absolute_uri(), params, config.secret)
        if not hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", "")):
            return _plain("Signature refused.", 403)
        provider_id, word = params.get("MessageSid", ""), params.get("MessageStatus", "")
        code = params.get("ErrorCode", "")
        error = f"Provider error {code}" if code else ""
    else:
        if not config.secret or not hmac.compare_digest(config.secret, request.GET.get("token", "")):
            return _plain("Token refused.", 403)
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return _plain('Send JSON: {"id", "status", "error"}.', 400)
        provider_id, word, error = str(data.get("id", "")), str(data.get("status", "")), str(data.get("error", ""))
    status = STATUS_WORDS.get(word.strip().lower())
    if status is None:
        return JsonResponse({"result": "ignored"})  # progress (queued, sent, ...) or a word we do not know
    if status == MessageStatus.FAILED and not error:
        error = f"The provider reported the text {word.strip().lower()}"
    result = message_report_by_provider_id(actor=Actor.system(via="sms-status"), provider_id=provider_id,
                                           status=status, error=error)
    return JsonResponse({"result": result})


def bounce_details(raw: bytes) -> tuple[str, str]:
    """The bounced message's Message-ID and the reason, from a delivery status notification; ("", "") when this is
    no report of a failure (e.g. a "delayed" notice)."""
    report = message_from_bytes(raw)
    message_id, action, reason = "", "", ""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in _status_blocks(part):
                action = action or (block.get("Action") or "").strip().lower()
                reason = reason or (block.get("Diagnostic-Code") or block.get("Status") or "").strip()
        elif kind in ("message/rfc822", "text/rfc822-headers") and not message_id:
            original = _original(part)
            if original is not None:
                message_id = (original.get("Message-ID") or "").strip()
    if action != "failed" or not message_id:
        return "", ""
    return message_id, reason or "The receiving server returned the message"


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _original(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload and isinstance(payload[0], Message) else None
    text = part.get_payload(decode=True)
    return message_from_bytes(text) if isinstance(text, bytes) else None


def email_bounce_receive(raw: bytes) -> str:
    """Mark the e-mail a bounce report is about as ``bounced``: "changed", "unchanged", "unknown" or "ignored"."""
    message_id, reason = bounce_details(raw)
    if not message_id:
        return "ignored"
    if not OutboundMessage.objects.filter(provider_message_id=message_id, channel="email").exists():
        return "unknown"
    return message_report_by_provider_id(actor=Actor.system(via="bounce"), provider_id=message_id,
                                         status=MessageStatus.BOUNCED, error=reason)
