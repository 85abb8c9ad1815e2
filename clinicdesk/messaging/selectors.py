"""Reads of the delivery log for the staff screens: the filtered log, the outbox, failed reminders, a patient's
messages. Plain querysets and dataclasses; the views audit what they show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from clinicdesk.messaging import email, links, sms
from clinicdesk.messaging.models import Channel, MessageStatus, OutboundMessage
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization

REMINDER_PREFIX = "reminder:"
# Statuses the log's filter offers (sending is a moment; not sent is the outbox's).
FILTER_STATUSES = [MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED,
                   MessageStatus.FAILED, MessageStatus.BOUNCED, MessageStatus.NOT_SENT]
UNSUCCESSFUL = (MessageStatus.FAILED, MessageStatus.BOUNCED, MessageStatus.NOT_SENT)
# "Not sent" because of the server's configuration (these go out after "send again" once it is configured),
# as opposed to the patient's consent or the appointment.
CONFIG_REASON_PREFIXES = (email.NOT_CONFIGURED, sms.NOT_CONFIGURED, "CLINICDESK_EMAIL_URL", "CLINICDESK_SMS_URL")


@dataclass(frozen=True)
class LogFilter:
    status: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None
    patient_id: int | None = None
    appointment_type_id: int | None = None


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def message_log(*, organization: Organization, filters: LogFilter) -> QuerySet[OutboundMessage]:
    """The practice's messages, newest first, narrowed by ``filters`` (dates on the practice's calendar)."""
    tz = ZoneInfo(organization.timezone)
    messages = (OutboundMessage.objects.filter(organization=organization)
                .select_related("patient", "appointment__appointment_type").order_by("-created_at", "-pk"))
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.channel:
        messages = messages.filter(channel=filters.channel)
    if filters.date_from:
        messages = messages.filter(created_at__gte=_day_bounds(filters.date_from, tz)[0])
    if filters.date_to:
        messages = messages.filter(created_at__lt=_day_bounds(filters.date_to, tz)[1])
    if filters.patient_id:
        messages = messages.filter(patient_id=filters.patient_id)
    if filters.appointment_type_id:
        messages = messages.filter(appointment__appointment_type_id=filters.appointment_type_id)
    return messages


def message_get(*, organization: Organization, message_id: int) -> OutboundMessage | None:
    return (OutboundMessage.objects.select_related("patient", "appointment__appointment_type",
                                                   "appointment__practitioner", "appointment__location")
            .filter(organization=organization, pk=message_id).first())


def is_config_reason(reason: str) -> bool:
    return reason.startswith(CONFIG_REASON_PREFIXES)


@dataclass(frozen=True)
class ChannelState:
    channel: str
    label: str
    configured: bool
    problem: str  # why not, in words ("" when configured)
    waiting: int  # messages not sent because of it, or queued


@dataclass(frozen=True)
class Outbox:
    channels: list[ChannelState]
    queued: int
    waiting_for_configuration: int
    public_url_missing: bool

    @property
    def needs_attention(self) -> bool:
        return self.waiting_for_configuration > 0 or any(not c.configured and c.waiting for c in self.channels)


def channel_problem(channel: str) -> str:
    try:
        if channel == Channel.EMAIL:
            email.email_config()
        else:
            sms.sms_config()
    except (email.EmailNotConfigured, sms.SmsNotConfigured) as exc:
        return str(exc)
    return ""


def outbox_messages(*, organization: Organization) -> QuerySet[OutboundMessage]:
    """What has not gone out and could: queued or sending, and not sent for want of a server or provider."""
    config = Q()
    for prefix in CONFIG_REASON_PREFIXES:
        config |= Q(status_reason__startswith=prefix)
    return (OutboundMessage.objects.filter(organization=organization)
            .filter(Q(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING])
                    | (Q(status=MessageStatus.NOT_SENT) & config))
            .select_related("patient").order_by("created_at", "pk"))


def outbox(*, organization: Organization) -> Outbox:
    counts = {(row["channel"], row["status"]): row["n"] for row in outbox_messages(organization=organization)
              .order_by().values("channel", "status").annotate(n=Count("pk"))}
    states = []
    for channel, label in Channel.choices:
        problem = channel_problem(channel)
        waiting = sum(n for (ch, _status), n in counts.items() if ch == channel)
        states.append(ChannelState(channel, label, not problem, problem, waiting))
    return Outbox(channels=states,
                  queued=sum(n for (_ch, st), n in counts.items() if st != MessageStatus.NOT_SENT),
                  waiting_for_configuration=sum(n for (_ch, st), n in counts.items() if st == MessageStatus.NOT_SENT),
                  public_url_missing=not links.public_url("/"))


def failed_reminders(*, organization: Organization, day: date,
                     location_id: int | None = None) -> QuerySet[OutboundMessage]:
    """Reminders for appointments on ``day`` (the practice's calendar) that did not reach the patient: failed,
    bounced, or not sent for a reason other than the appointment itself having been cancelled or moved."""
    start, end = _day_bounds(day, ZoneInfo(organization.timezone))
    found = (OutboundMessage.objects.filter(organization=organization, idempotency_key__startswith=REMINDER_PREFIX,
                                            status__in=UNSUCCESSFUL, appointment__start__gte=start,
                                            appointment__start__lt=end)
             .exclude(status=MessageStatus.NOT_SENT, status_reason__startswith="The appointment")
             .select_related("patient", "appointment__practitioner", "appointment__appointment_type")
             .order_by("appointment__start", "pk"))
    if location_id:
        found = found.filter(appointment__location_id=location_id)
    return found


def patient_messages(*, patient: Patient, limit: int = 20) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(organization_id=patient.organization_id, patient=patient)
                .select_related("appointment").order_by("-created_at", "-pk")[:limit])


def patient_failed_reminders(*, patient: Patient) -> list[OutboundMessage]:
    """Reminders for this patient's appointments still ahead that did not reach them."""
    from django.utils import timezone

    return list(OutboundMessage.objects.filter(organization_id=patient.organization_id, patient=patient,
                                               idempotency_key__startswith=REMINDER_PREFIX, status__in=UNSUCCESSFUL,
                                               appointment__start__gt=timezone.now())
                .exclude(status=MessageStatus.NOT_SENT, status_reason__startswith="The appointment")
                .select_related("appointment").order_by("appointment__start"))


def offer_messages(*, organization_id: int, offer_ids: list[int]) -> dict[int, OutboundMessage]:
    """The message each waitlist offer was sent as, by offer id (offers with none — no consented channel, or
    not swept yet — are missing: staff call those patients)."""
    from clinicdesk.messaging.waitlist_offers import KEY_PREFIX

    keys = {f"{KEY_PREFIX}{pk}": pk for pk in offer_ids}
    found = OutboundMessage.objects.filter(organization_id=organization_id, idempotency_key__in=list(keys))
    return {keys[m.idempotency_key]: m for m in found}
