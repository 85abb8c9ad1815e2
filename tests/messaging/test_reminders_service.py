"""The reminder sweep against the database and a real SMTP server: stale steps, consent, idempotency,
cancellation, merge fields in the location's time zone, the .ics attachment, the hook into the periodic sweep."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from clinicdesk.audit.services import Actor
from clinicdesk.messaging.models import (
    MessageStatus,
    MessageTemplate,
    MessagingSettings,
    OutboundMessage,
    ReminderPolicy,
    ReminderStep,
)
from clinicdesk.messaging.reminder_services import reminder_key, reminders_sweep
from clinicdesk.messaging.services import (
    APPOINTMENT_CANCELLED,
    APPOINTMENT_RESCHEDULED,
    APPOINTMENT_STARTED,
    NO_SMS_PROVIDER,
    message_deliver,
    message_queue,
)
from clinicdesk.messaging.tasks import sweep_outbox
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.scheduling.models import Appointment
from clinicdesk.scheduling.services import appointment_book, appointment_cancel, appointment_reschedule
from tests.conftest import make_patient
from tests.messaging.conftest import SmtpServer
from tests.scheduling.conftest import Clinic, book_kwargs, local

pytestmark = pytest.mark.django_db
ACTOR = Actor.system(via="test")
BODY = ("Dear {patient_first_name}, this is {practice_name}. You see {practitioner_name} on {appointment_date} "
        "at {appointment_time} at {location_name}, {location_address} ({map_link}). {instructions}")


@pytest.fixture
def policy(org: Organization) -> ReminderPolicy:
    """7 days, 1 day and 2 hours before, by e-mail, for every type."""
    template = MessageTemplate.objects.create(organization=org, key="reminder", language="en", channel="email",
                                              subject="Reminder: {appointment_date} at {appointment_time}", body=BODY)
    policy = ReminderPolicy.objects.create(organization=org, name="Standard")
    for offset in (10080, 1440, 120):
        ReminderStep.objects.create(policy=policy, offset_minutes=offset, channel="email", template=template)
    return policy


def step(policy: ReminderPolicy, offset: int, channel: str = "email") -> ReminderStep:
    return policy.steps.get(offset_minutes=offset, channel=channel)


@pytest.fixture
def chidi(org: Organization) -> Patient:
    return make_patient(org, family_name="Okafor", given_name="Chidi", email="chidi@example.org", consent_email=True,
                        phone_mobile="(217) 555-0142")


def book(clinic: Clinic, patient: Patient, start: datetime, booked_at: datetime) -> Appointment:
    appointment = appointment_book(actor=ACTOR, **book_kwargs(clinic, patient, start))
    Appointment.objects.filter(pk=appointment.pk).update(created_at=booked_at)
    appointment.refresh_from_db()
    return appointment


def three_days_ahead(clinic: Clinic, patient: Patient, monday: date) -> Appointment:
    start = local(monday, 10)
    return book(clinic, patient, start, booked_at=start - timedelta(days=3))


def test_booked_three_days_ahead_the_week_step_is_skipped_and_the_day_step_is_delivered_with_an_ics(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy, smtp_server: SmtpServer) -> None:
    appointment = three_days_ahead(clinic, chidi, monday)
    start = appointment.start

    assert reminders_sweep(now=start - timedelta(days=3) + timedelta(hours=1)).queued == 0
    assert reminders_sweep(now=start - timedelta(days=1, minutes=1)).queued == 0
    assert OutboundMessage.objects.count() == 0

    result = reminders_sweep(now=start - timedelta(days=1))
    assert result.queued == 1 and result.skipped["stale"] == 1
    [message] = OutboundMessage.objects.all()
    assert message.idempotency_key == reminder_key(appointment.pk, step(policy, 1440).pk)
    assert (message.appointment_id, message.patient_id, message.to_address) == (appointment.pk, chidi.pk,
                                                                                  "chidi@example.org")
    assert not OutboundMessage.objects.filter(idempotency_key=reminder_key(appointment.pk,
                                                                            step(policy, 10080).pk)).exists()

    assert message_deliver(message.pk) == MessageStatus.SENT
    [received] = smtp_server.received
    parts = {part.get_content_type(): part for part in received.message.walk()}
    text, ics = (parts[kind].get_payload(decode=True) for kind in ("text/plain", "text/calendar"))
    assert isinstance(text, bytes) and isinstance(ics, bytes)
    assert "Dear Chidi" in text.decode()
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"appointment-{appointment.pk}@clinicdesk"
    assert event.decoded("dtstart") == start
    assert "Follow-up with Dr." in str(event["summary"])


def test_the_two_hour_step_follows_and_the_week_step_never_comes(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy) -> None:
    appointment = three_days_ahead(clinic, chidi, monday)
    reminders_sweep(now=appointment.start - timedelta(days=1))
    assert reminders_sweep(now=appointment.start - timedelta(hours=2)).queued == 1
    keys = set(OutboundMessage.objects.values_list("idempotency_key", flat=True))
    assert keys == {reminder_key(appointment.pk, step(policy, 1440).pk), reminder_key(appointment.pk,
                                                                                       step(policy, 120).pk)}
    assert reminders_sweep(now=appointment.start + timedelta(minutes=1)).queued == 0


def test_running_the_sweep_twice_queues_one_message(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy, smtp_server: SmtpServer) -> None:
    appointment = three_days_ahead(clinic, chidi, monday)
    now = appointment.start - timedelta(hours=20)
    assert reminders_sweep(now=now).queued == 1
    assert reminders_sweep(now=now).queued == 0
    assert reminders_sweep(now=now + timedelta(minutes=1)).queued == 0
    [message] = OutboundMessage.objects.all()
    message_deliver(message.pk)
    message_deliver(message.pk)
    assert len(smtp_server.received) == 1


def test_without_consent_nothing_is_queued(clinic: Clinic, org: Organization, monday: date,
                                           policy: ReminderPolicy) -> None:
    no_consent = make_patient(org, email="quiet@example.org", consent_email=False)
    no_address = make_patient(org, given_name="Ann", consent_email=True)
    for patient, hour in ((no_consent, 9), (no_address, 10)):
        start = local(monday, hour)
        book(clinic, patient, start, booked_at=start - timedelta(days=3))
    result = reminders_sweep(now=local(monday, 9) - timedelta(days=1) + timedelta(hours=1))
    assert result.queued == 0
    assert (result.skipped["no_consent"], result.skipped["no_address"]) == (1, 1)
    assert OutboundMessage.objects.count() == 0


def test_cancelled_after_queuing_the_reminder_is_not_sent_with_the_reason(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy, smtp_server: SmtpServer) -> None:
    appointment = three_days_ahead(clinic, chidi, monday)
    reminders_sweep(now=appointment.start - timedelta(days=1))
    [message] = OutboundMessage.objects.all()

    appointment_cancel(actor=ACTOR, appointment=appointment, reason="Feeling better", by="patient")

    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    message.refresh_from_db()
    assert message.status_reason == APPOINTMENT_CANCELLED
    assert smtp_server.received == []
    assert reminders_sweep(now=appointment.start - timedelta(hours=2)).queued == 0  # no further steps


def test_a_rescheduled_appointment_drops_the_old_reminder_and_the_new_one_gets_its_own(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy, smtp_server: SmtpServer) -> None:
    old = three_days_ahead(clinic, chidi, monday)
    reminders_sweep(now=old.start - timedelta(days=1))
    [message] = OutboundMessage.objects.all()
    new = appointment_reschedule(actor=ACTOR, appointment=old, start=local(monday, 11))
    Appointment.objects.filter(pk=new.pk).update(created_at=old.start - timedelta(days=1))

    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    message.refresh_from_db()
    assert message.status_reason == APPOINTMENT_RESCHEDULED
    assert reminders_sweep(now=new.start - timedelta(hours=2)).queued == 1
    assert OutboundMessage.objects.filter(appointment=new).count() == 1


def test_merge_fields_use_the_practice_the_practitioner_and_the_locations_time_zone(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy) -> None:
    clinic.mri.patient_instructions = "Nothing to eat for 4 hours."
    clinic.mri.save()
    clinic.follow_up.patient_instructions = "Bring your medication list."
    clinic.follow_up.save()
    appointment = three_days_ahead(clinic, chidi, monday)
    clinic.location.line1, clinic.location.timezone = "12 Main St", "America/New_York"
    clinic.location.save()

    assert reminders_sweep(now=appointment.start - timedelta(days=1)).queued == 1
    [message] = OutboundMessage.objects.all()

    day = f"{monday:%A}, {monday:%B} {monday.day}, {monday.year}"
    assert message.subject == f"Reminder: {day} at 11:00 AM"  # 10:00 in Chicago
    assert message.body == (
        f"Dear Chidi, this is Lakeside Family Practice. You see {clinic.practitioner.display_name} on {day} at "
        "11:00 AM at Main Street, 12 Main St, Springfield, IL "
        "(https://www.openstreetmap.org/search?query=12+Main+St%2C+Springfield%2C+IL). Bring your medication list.")
    assert "Lindqvist" in message.body


def test_the_patients_language_is_used_when_the_template_exists_in_it(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy) -> None:
    MessageTemplate.objects.create(organization=chidi.organization, key="reminder", language="es", channel="email",
                                   subject="Recordatorio", body="Hola {patient_first_name}")
    Patient.objects.filter(pk=chidi.pk).update(preferred_language="es")
    appointment = three_days_ahead(clinic, chidi, monday)
    reminders_sweep(now=appointment.start - timedelta(days=1))
    assert OutboundMessage.objects.get().body == "Hola Chidi"


def test_a_type_policy_replaces_the_practice_policy_and_sms_steps_need_sms_consent(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy) -> None:
    text = MessageTemplate.objects.create(organization=chidi.organization, key="reminder", language="en",
                                          channel="sms", body="{practice_name}: {appointment_time} tomorrow")
    follow_up = ReminderPolicy.objects.create(organization=chidi.organization, name="Follow-ups by text",
                                              appointment_type=clinic.follow_up)
    ReminderStep.objects.create(policy=follow_up, offset_minutes=1440, channel="sms", template=text)
    appointment = three_days_ahead(clinic, chidi, monday)

    assert reminders_sweep(now=appointment.start - timedelta(days=1)).skipped["no_consent"] == 1
    Patient.objects.filter(pk=chidi.pk).update(consent_sms=True)
    assert reminders_sweep(now=appointment.start - timedelta(days=1)).queued == 1
    message = OutboundMessage.objects.get()
    assert (message.channel, message.to_address, message.body) == ("sms", "+12175550142",
                                                                  "Lakeside Family Practice: 10:00 AM tomorrow")
    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    assert OutboundMessage.objects.get().status_reason == NO_SMS_PROVIDER


def test_quiet_hours_of_the_practice_hold_a_reminder_until_morning(
        clinic: Clinic, chidi: Patient, monday: date, policy: ReminderPolicy) -> None:
    MessagingSettings.objects.create(organization=chidi.organization, quiet_start=local(monday, 9).time(),
                                     quiet_end=local(monday, 10, 30).time())
    appointment = three_days_ahead(clinic, chidi, monday)  # 10:00: one day before is inside 09:00-10:30
    assert reminders_sweep(now=appointment.start - timedelta(days=1)).queued == 0
    assert reminders_sweep(now=appointment.start - timedelta(days=1) + timedelta(minutes=30)).queued == 1


def test_inactive_policies_send_nothing(clinic: Clinic, chidi: Patient, monday: date,
                                        policy: ReminderPolicy) -> None:
    ReminderPolicy.objects.filter(pk=policy.pk).update(active=False)
    appointment = three_days_ahead(clinic, chidi, monday)
    assert reminders_sweep(now=appointment.start - timedelta(days=1)).queued == 0


def test_a_template_with_an_unknown_field_cannot_be_saved(org: Organization) -> None:
    template = MessageTemplate(organization=org, key="reminder", language="en", channel="email", subject="Hi",
                               body="Dear {first_name}")
    with pytest.raises(ValidationError, match=r"Unknown merge field: \{first_name\}"):
        template.full_clean()
    with pytest.raises(ValidationError):
        template.save()
    with pytest.raises(ValidationError, match="needs a subject"):
        MessageTemplate(organization=org, key="r", channel="email", body="Hi").full_clean()


def test_the_periodic_sweep_queues_due_reminders(org: Organization, clinic: Clinic, chidi: Patient,
                                                 policy: ReminderPolicy, settings: Any) -> None:
    now = timezone.now()
    appointment = Appointment.objects.create(
        organization=org, patient=chidi, practitioner=clinic.practitioner, location=clinic.location,
        appointment_type=clinic.follow_up, start=now + timedelta(hours=20), end=now + timedelta(hours=20, minutes=20),
        created_at=now - timedelta(days=3))
    MessagingSettings.objects.create(organization=org, quiet_start=local(date.today(), 0).time(),
                                     quiet_end=local(date.today(), 0).time())  # no quiet hours: any time of day

    result = sweep_outbox.call()

    assert result["reminders"] == 1
    assert OutboundMessage.objects.get().appointment_id == appointment.pk


def test_a_reminder_still_queued_when_the_appointment_starts_is_not_sent(
        org: Organization, clinic: Clinic, chidi: Patient, smtp_server: SmtpServer) -> None:
    now = timezone.now()
    appointment = Appointment.objects.create(
        organization=org, patient=chidi, practitioner=clinic.practitioner, location=clinic.location,
        appointment_type=clinic.follow_up, start=now - timedelta(minutes=5), end=now + timedelta(minutes=15))
    message = message_queue(actor=ACTOR, organization=org, patient=chidi, channel="email", to=chidi.email,
                            template="reminder", subject="Soon", body="See you soon", idempotency_key="late",
                            appointment=appointment)
    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    assert OutboundMessage.objects.get().status_reason == APPOINTMENT_STARTED
    assert smtp_server.received == []
