"""Staff screens of the delivery log: the filtered log, one message, "retry now", the outbox, failed reminders."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.messaging import selectors
from clinicdesk.messaging.forms import LogFilterForm
from clinicdesk.messaging.log_services import RETRYABLE, message_retry
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.patients import access
from clinicdesk.patients.search import parse_date
from clinicdesk.web.forms import current_organization

VIEW = "messaging.view_outboundmessage"
CHANGE = "messaging.change_outboundmessage"


def audit_listed(actor: Actor, rows: list[OutboundMessage], listing: str) -> None:
    """Names on a list are a read of patient data: one audit event per patient shown."""
    shown = sorted({m.patient_id for m in rows if m.patient_id})
    audit_record_many(actor=actor, entries=[Entry(action=Action.SEARCH_HIT, object_type="Patient",
                                                  object_id=str(pid), patient_id=pid, detail={"list": listing})
                                            for pid in shown])


@permission_required(VIEW, raise_exception=True)
def message_log(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    actor = Actor.from_request(request)
    access.require_permission(actor, "patients.view_patient")
    form = LogFilterForm(request.GET or None, organization=org)
    page = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        patient = data.get("patient")
        filters = selectors.LogFilter(status=data.get("status", ""), channel=data.get("channel", ""),
                                      date_from=data.get("date_from"), date_to=data.get("date_to"),
                                      patient_id=patient.pk if patient else None,
                                      appointment_type_id=data["appointment_type"].pk
                                      if data.get("appointment_type") else None)
        page = Paginator(selectors.message_log(organization=org, filters=filters), 50).get_page(
            request.GET.get("page"))
        audit_listed(actor, list(page), "messages")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "messaging/staff/log.html", {
        "form": form, "page": page, "query": query.urlencode(), "outbox": selectors.outbox(organization=org)})


def _message_or_404(request: HttpRequest, message_id: int) -> OutboundMessage:
    message = selectors.message_get(organization=current_organization(request), message_id=message_id)
    if message is None:
        raise Http404("No such message in this practice.")
    return message


@permission_required(VIEW, raise_exception=True)
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    message = _message_or_404(request, message_id)
    if message.patient_id:
        access.access_patient(actor=actor, patient_id=message.patient_id, purpose="message")
    return render(request, "messaging/staff/detail.html", {
        "message": message, "can_retry": message.status in RETRYABLE and request.user.has_perm(CHANGE),
        "config_problem": selectors.channel_problem(message.channel),
        "events": _history(message)})


def _history(message: OutboundMessage) -> list[object]:
    """The message's audit events. Every one carries the message's patient (or none) and comes after the message
    was created, so the (patient, time) index finds them among millions (object type and id are not indexed)."""
    from datetime import timedelta

    from clinicdesk.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(patient_id=message.patient_id,
                                          at__gte=message.created_at - timedelta(minutes=1),
                                          object_type="OutboundMessage", object_id=str(message.pk),
                                          organization_id=message.organization_id).order_by("pk")[:50])


@require_POST
@permission_required(CHANGE, raise_exception=True)
def message_retry_view(request: HttpRequest, message_id: int) -> HttpResponse:
    message = _message_or_404(request, message_id)
    try:
        message_retry(actor=Actor.from_request(request), message=message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        problem = selectors.channel_problem(message.channel)
        if problem:
            messages.error(request, f"Queued again, but it cannot go out yet: {problem}.")
        else:
            messages.success(request, f"The message to {message.to_address} is queued and goes out now.")
    return redirect("messages:detail", message_id=message.pk)


@permission_required(VIEW, raise_exception=True)
def outbox_page(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    actor = Actor.from_request(request)
    access.require_permission(actor, "patients.view_patient")
    rows = list(selectors.outbox_messages(organization=org)[:200])
    audit_listed(actor, rows, "outbox")
    return render(request, "messaging/staff/outbox.html", {"rows": rows, "outbox": selectors.outbox(organization=org)})


@require_POST
@permission_required(CHANGE, raise_exception=True)
def outbox_send_again(request: HttpRequest) -> HttpResponse:
    """Queue again every message not sent for want of a server or provider that is configured now."""
    org = current_organization(request)
    actor = Actor.from_request(request)
    ready = [c.channel for c in selectors.outbox(organization=org).channels if c.configured]
    waiting = selectors.outbox_messages(organization=org).filter(status=MessageStatus.NOT_SENT, channel__in=ready)
    count = 0
    for message in waiting[:1000]:
        try:
            message_retry(actor=actor, message=message)
        except ValidationError:
            continue  # sent meanwhile
        count += 1
    if count:
        messages.success(request, f"{count} message{'s' if count != 1 else ''} queued again.")
    else:
        messages.info(request, "Nothing to send again: configure the e-mail server or SMS provider first.")
    return redirect("messages:outbox")


@permission_required(VIEW, raise_exception=True)
def day_failed(request: HttpRequest) -> HttpResponse:
    """The failed-reminders banner of the schedule's day view (loaded into it by htmx)."""
    org = current_organization(request)
    actor = Actor.from_request(request)
    day = parse_date(request.GET.get("date", "")) or date.today()
    location = request.GET.get("location", "")
    rows = list(selectors.failed_reminders(organization=org, day=day,
                                           location_id=int(location) if location.isdigit() else None))
    if not request.user.has_perm("patients.view_patient"):
        rows = []
    audit_listed(actor, rows, "failed reminders")
    return render(request, "messaging/staff/_day_failed.html", {"rows": rows, "day": day,
                                                                "outbox": selectors.outbox(organization=org)})
