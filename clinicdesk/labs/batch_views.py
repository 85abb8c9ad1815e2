"""``POST /hl7/batch``: an HL7 v2 batch (or one message) over HTTP, answered with the batch ACK.

Authenticated like the FHIR API (``Authorization: Bearer <token>``, see ``clinicdesk createtoken``); the token's
user needs ``labs.add_inboundmessage``, and the messages belong to that user's practice. The body is the batch
bytes as they are (any segment separator; ``Content-Type`` is not checked). Answers: 200 with the batch ACK
(``application/hl7-v2``) — per-message AE/AR are inside it; 400 no MSH at all; 401 no or bad token; 403 not
permitted; 413 too large; 503 not stored (send it again: what was stored is recognised as a resend).
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.labs.batch import BatchUnreadable, hl7_batch_receive
from clinicdesk.staff.models import User
from clinicdesk.staff.services import token_authenticate

log = logging.getLogger(__name__)
PERMISSION = "labs.add_inboundmessage"


def _text(status: int, text: str, **headers: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _token_user(request: HttpRequest) -> User | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return token_authenticate(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None


@csrf_exempt
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    user = _token_user(request)
    if user is None:
        return _text(401, "Send a valid API token: Authorization: Bearer <token>.",
                     WWW_Authenticate='Bearer realm="clinicdesk HL7"')
    if not user.has_perm(PERMISSION) or user.organization_id is None:
        return _text(403, "This token may not send HL7 messages.")
    try:
        raw = request.body
    except RequestDataTooBig:
        return _text(413, "The batch is too large.")
    ip = request.META.get("REMOTE_ADDR") or ""
    actor = Actor(user=user, ip=ip or None, via="hl7-http", role=user.primary_role)
    try:
        result = hl7_batch_receive(actor=actor, raw=raw, source=f"{ip}:http", organization_id=user.organization_id)
    except BatchUnreadable as unreadable:
        return _text(400, str(unreadable))
    except DatabaseError:
        log.exception("HL7 batch from %s not stored", ip)
        return _text(503, "Not stored; send the batch again.", Retry_After="30")
    return HttpResponse(result.ack, content_type="application/hl7-v2")
