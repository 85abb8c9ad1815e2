"""Communication ↔ a phone message taken for the practice, or a message the practice sent to a patient.

Two sources, two id forms:
- ``phone-<id>``: a phone-message inbox item (needs inbox.view_inboxitem; only the items the caller could open
  in the inbox). The call was taken, so status is completed; sent/received are when it was taken; recipient is
  whoever it was routed to; sender names the caller and the payload ends with the callback number and best
  time (from inbox.PhoneMessage); partOf is the Task that follows it up.
- ``message-<id>``: an e-mail or SMS from the delivery log to a patient (needs messaging.view_outboundmessage).
  status: queued → preparation, sending → in-progress, sent/delivered → completed, failed/bounced/not sent →
  not-done (statusReason says why); sent is when the server accepted it.
A search returns the phone messages first, then the sent messages, each newest first; a caller with only one of
the two permissions gets only that source.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.fhir.context import Ctx, deny, require
from clinicdesk.fhir.datatypes import compact, pk_of, ref
from clinicdesk.fhir.errors import not_found
from clinicdesk.fhir.observation import date_q, local, practice_zone, status_q
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import NOTHING, SearchParam, SearchRequest, all_of, alternatives, reference_q
from clinicdesk.fhir.task import audit_items, owner_of, visible_items
from clinicdesk.inbox.models import InboxItem, Kind
from clinicdesk.messaging.models import OutboundMessage

PHONE_PERM = "inbox.view_inboxitem"
MESSAGE_PERM = "messaging.view_outboundmessage"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
KIND_SYSTEM = "urn:clinicdesk:communication-kind"
TEMPLATE_SYSTEM = "urn:clinicdesk:message-template"
OUTBOUND_STATUS = {"queued": "preparation", "sending": "in-progress", "sent": "completed", "delivered": "completed",
                   "failed": "not-done", "bounced": "not-done", "not_sent": "not-done"}
PHONE_STATUS = {"phone": "completed"}
FHIR_STATUS = frozenset({"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
                         "entered-in-error", "unknown"})
_ID = re.compile(r"(phone|message)-([1-9][0-9]{0,17})")
# The call details (caller, callback number, best time) live in inbox.PhoneMessage where the inbox has them.
_CALL_LOOKUP: str = "phone_message"
_CALL_DETAILS = hasattr(InboxItem, _CALL_LOOKUP)

PARAMS = (
    SearchParam("patient", "reference", "Patient/<id> or <id>."),
    SearchParam("subject", "reference", "Same as patient."),
    SearchParam("status", "token", "completed | preparation | in-progress | not-done (phone messages are "
                "completed)."),
    SearchParam("sent", "date", "When the message was sent, or the call taken (eq/ne/gt/ge/lt/le; dates in the "
                "practice's time zone, a time needs a zone)."),
)


def _sources(ctx: Ctx) -> tuple[bool, bool]:
    require(ctx, "patients.view_patient", "Communication")
    phone, message = ctx.has_perm(PHONE_PERM), ctx.has_perm(MESSAGE_PERM)
    if not (phone or message):
        deny(ctx.actor, MESSAGE_PERM, "Communication")
    return phone, message


def _phones(ctx: Ctx) -> QuerySet[InboxItem]:
    items = visible_items(ctx).filter(kind=Kind.PHONE_MESSAGE)
    return items.select_related(_CALL_LOOKUP) if _CALL_DETAILS else items


def _messages(ctx: Ctx) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(organization_id=ctx.organization_id, patient__isnull=False)


def _audit_messages(ctx: Ctx, found: list[OutboundMessage], purpose: str) -> None:
    audit_record_many(actor=ctx.actor, entries=[
        Entry(action=Action.VIEW, object_type="OutboundMessage", object_id=str(m.pk), patient_id=m.patient_id,
              detail={"purpose": purpose}) for m in found
    ])


def read(ctx: Ctx, logical_id: str) -> Resource:
    phone, message = _sources(ctx)
    match = _ID.fullmatch(logical_id)
    if match and match.group(1) == "phone" and phone:
        item = _phones(ctx).filter(pk=int(match.group(2))).first()
        if item is not None:
            audit_items(ctx, [item], "fhir read")
            return phone_to_fhir(item, practice_zone(ctx))
    if match and match.group(1) == "message" and message:
        sent = _messages(ctx).filter(pk=int(match.group(2))).first()
        if sent is not None:
            _audit_messages(ctx, [sent], "fhir read")
            return message_to_fhir(sent, practice_zone(ctx))
    raise not_found(f"There is no Communication/{logical_id[:64]} in this practice that you may see.")


def _id_q(sr: SearchRequest, prefix: str) -> Q:
    return all_of([
        Q(pk__in=[pk for alt in alternatives(value) if (pk := pk_of(alt, f"{prefix}-")) is not None])
        for value in sr.values("_id")
    ])


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    phone, message = _sources(ctx)
    patient = all_of([reference_q(sr, "patient", "Patient", "patient_id"),
                      reference_q(sr, "subject", "Patient", "patient_id")])
    phone_q = all_of([patient, status_q(sr, "status", "kind", {Kind.PHONE_MESSAGE.value: "completed"}, FHIR_STATUS),
                      date_q(ctx, sr, "sent", "created_at"), _id_q(sr, "phone")])
    message_q = all_of([patient, status_q(sr, "status", "status", OUTBOUND_STATUS, FHIR_STATUS),
                        date_q(ctx, sr, "sent", "sent_at"), _id_q(sr, "message")])
    phones = _phones(ctx).filter(phone_q if phone else NOTHING).order_by("-created_at", "-pk")
    messages = _messages(ctx).filter(message_q if message else NOTHING).order_by(
        F("sent_at").desc(nulls_last=True), "-created_at", "-pk")
    phone_total, message_total = phones.count(), messages.count()
    start, end = sr.offset, sr.offset + sr.count
    phone_page = list(phones[start:end]) if sr.count and start < phone_total else []
    first = max(start - phone_total, 0)
    message_page = list(messages[first:first + sr.count - len(phone_page)]) \
        if sr.count and len(phone_page) < sr.count else []
    audit_items(ctx, phone_page, "fhir search")
    _audit_messages(ctx, message_page, "fhir search")
    zone = practice_zone(ctx)
    found = [phone_to_fhir(i, zone) for i in phone_page] + [message_to_fhir(m, zone) for m in message_page]
    return found, phone_total + message_total


def _medium(code: str, display: str, text: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": PARTICIPATION_MODE, "code": code, "display": display}], "text": text}]


def _call_back(item: InboxItem) -> tuple[str, str]:
    """(caller's name, "Call back on … (best time)") from the call details, when there are any."""
    call = getattr(item, _CALL_LOOKUP, None) if _CALL_DETAILS else None
    if call is None:
        return "", ""
    number = str(getattr(call, "callback_number", "") or "")
    best = str(getattr(call, "best_time", "") or "")
    callback = f"Call back on {number}" + (f" ({best})" if best else "") if number else ""
    return str(getattr(call, "caller_name", "") or ""), callback


def phone_to_fhir(item: InboxItem, zone: ZoneInfo) -> dict[str, Any]:
    owner = owner_of(item)
    caller, callback = _call_back(item)
    return compact({
        "resourceType": "Communication",
        "id": f"phone-{item.pk}",
        "partOf": [ref("Task", item.pk)],
        "status": "completed",
        "category": [{"coding": [{"system": KIND_SYSTEM, "code": "phone-message", "display": "Phone message"}]}],
        "priority": {"routine": "routine", "urgent": "urgent", "critical": "stat"}.get(item.priority, "routine"),
        "medium": _medium("PHONE", "telephone", "Phone call"),
        "subject": ref("Patient", item.patient_id) if item.patient_id else None,
        "topic": {"text": item.category} if item.category else None,
        "sent": local(item.created_at, zone),
        "received": local(item.created_at, zone),
        "recipient": [owner] if owner else [],
        "sender": {"display": caller} if caller else None,
        "payload": [{"contentString": text} for text in (item.title, item.body, callback) if text.strip()],
    })


def message_to_fhir(sent: OutboundMessage, zone: ZoneInfo) -> dict[str, Any]:
    status = OUTBOUND_STATUS.get(sent.status, "unknown")
    reason = (sent.status_reason or sent.last_error).strip() or sent.get_status_display()
    email = sent.channel == "email"
    return compact({
        "resourceType": "Communication",
        "id": f"message-{sent.pk}",
        "status": status,
        "statusReason": {"text": reason[:500]} if status == "not-done" else None,
        "category": [{"coding": [{"system": TEMPLATE_SYSTEM, "code": sent.template}], "text": sent.template}],
        "medium": _medium("EMAILWRIT", "email", "E-mail") if email else _medium("ELECTRONIC", "electronic data",
                                                                                 "SMS"),
        "subject": ref("Patient", sent.patient_id),
        "about": [ref("Appointment", sent.appointment_id)] if sent.appointment_id else [],
        "sent": local(sent.sent_at, zone),
        "recipient": [ref("Patient", sent.patient_id)],
        "sender": {"reference": f"Organization/{sent.organization_id}"},
        "payload": [{"contentString": text} for text in (sent.subject, sent.body) if text.strip()],
    })


SPEC = ResourceSpec(
    type="Communication",
    documentation=("Phone messages taken for the practice (id phone-<n>; needs inbox.view_inboxitem, only those the "
                   "caller may open; partOf the follow-up Task) and e-mails and SMS sent to patients (id "
                   "message-<n>; needs messaging.view_outboundmessage). Each one returned is audited as a view of "
                   "its patient (needs patients.view_patient)."),
    read=read, search=search, params=PARAMS, read_perm=None,
)
