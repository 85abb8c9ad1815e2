"""The delivery log screens over HTTP: filters, detail, retry now, the outbox and its banner, failed reminders on
the day view and the chart, the patient's message history; permissions and practice scoping."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.selectors import failed_reminders
from clinicdesk.messaging.services import message_deliver
from clinicdesk.patients.models import Patient
from tests.conftest import client_for, make_patient
from tests.messaging.ui_helpers import book, reminder
from tests.scheduling.conftest import Clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def emailable(org: Any) -> Patient:
    return make_patient(org, family_name="Okafor", given_name="Chidi", email="chidi@example.org",
                        phone_mobile="(217) 555-0142", consent_email=True, consent_sms=True)


@pytest.fixture
def other_patient(org: Any) -> Patient:
    return make_patient(org, family_name="Nguyen", given_name="Linh", email="linh@example.org", consent_email=True,
                        phone_mobile="(217) 555-0199")


def test_log_lists_and_filters_by_status_channel_patient_type_and_date(frontdesk: Any, clinic: Clinic,
                                                                       monday: date, emailable: Patient,
                                                                       other_patient: Patient) -> None:
    failed = reminder(book(clinic, emailable, monday, 9), status="failed", error="550 No such user")
    sent = reminder(book(clinic, other_patient, monday, 10), status="sent", step=2, channel="sms")
    client = client_for(frontdesk)
    page = client.get(reverse("messages:log")).content.decode()
    assert "Okafor" in page and "Nguyen" in page and "550 No such user" in page

    def shown(**params: str) -> set[int]:
        response = client.get(reverse("messages:log"), params)
        assert response.status_code == 200
        return {m.pk for m in response.context["page"] or []}

    assert shown(status="failed") == {failed.pk}
    assert shown(status="sent") == {sent.pk}
    assert shown(channel="sms") == {sent.pk}
    assert shown(mrn=emailable.mrn.lower()) == {failed.pk}
    assert shown(appointment_type=str(clinic.follow_up.pk)) == {failed.pk, sent.pk}
    assert shown(appointment_type=str(clinic.mri.pk)) == set()
    today = timezone.now().astimezone(ZoneInfo(clinic.org.timezone)).date()  # the dates are the practice's
    assert shown(date_from=f"{today:%m/%d/%Y}", date_to=f"{today + timedelta(days=1):%m/%d/%Y}") == {failed.pk,
                                                                                                   sent.pk}
    assert shown(date_to=f"{today - timedelta(days=2):%m/%d/%Y}") == set()
    # Listing names is a read of patient data.
    assert AuditEvent.objects.filter(patient_id=emailable.pk, action="search_hit").exists()


def test_bad_filters_are_form_errors_not_500(frontdesk: Any) -> None:
    client = client_for(frontdesk)
    for params in ({"status": "nonsense"}, {"date_from": "31/31/2020"}, {"mrn": "NOPE"},
                   {"date_from": "03/10/2026", "date_to": "03/01/2026"}, {"appointment_type": "x"}):
        response = client.get(reverse("messages:log"), params)
        assert response.status_code == 200
        assert response.context["form"].errors, params


def test_detail_shows_content_attempts_error_provider_id_and_retry_requeues(frontdesk: Any, clinic: Clinic,
                                                                           monday: date, emailable: Patient) -> None:
    message = reminder(book(clinic, emailable, monday), status="failed", error="550 5.1.1 No such user",
                       provider_id="<abc@lakeside>", attempts=3)
    client = client_for(frontdesk)
    page = client.get(reverse("messages:detail", args=[message.pk])).content.decode()
    assert "See you soon." in page and "550 5.1.1 No such user" in page and "&lt;abc@lakeside&gt;" in page
    assert "Retry now" in page
    response = client.post(reverse("messages:retry", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 0
    assert AuditEvent.objects.filter(action="message.retry", object_id=str(message.pk)).exists()
    # Retrying a message that is not failed is refused with a message, not an error.
    response = client.post(reverse("messages:retry", args=[message.pk]), follow=True)
    assert "only failed, bounced or not-sent" in response.content.decode()
    page = client.get(reverse("messages:detail", args=[message.pk])).content.decode()
    assert "<td>message.queue</td><td>system</td>" in page  # the message's own history, from the audit trail
    assert f"<td>message.retry</td><td>{frontdesk.username}</td>" in page


def test_retry_needs_change_permission_and_the_practice(clinician: Any, outsider: Any, frontdesk: Any,
                                                        clinic: Clinic, monday: date, emailable: Patient) -> None:
    message = reminder(book(clinic, emailable, monday), status="failed", error="boom")
    assert client_for(clinician).post(reverse("messages:retry", args=[message.pk])).status_code == 403
    assert client_for(clinician).get(reverse("messages:log")).status_code == 403
    assert client_for(outsider).get(reverse("messages:detail", args=[message.pk])).status_code == 404
    assert client_for(outsider).post(reverse("messages:retry", args=[message.pk])).status_code == 404
    assert client_for(frontdesk).get(reverse("messages:retry", args=[message.pk])).status_code == 405
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED


def test_outbox_says_what_waits_and_why_never_sent_then_sends_again(settings: Any, frontdesk: Any, clinic: Clinic,
                                                                     monday: date, emailable: Patient) -> None:
    settings.CLINICDESK_EMAIL_URL = ""
    message = reminder(book(clinic, emailable, monday))
    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    client = client_for(frontdesk)
    for url in (reverse("messages:log"), reverse("messages:outbox")):
        page = client.get(url).content.decode()
        assert 'id="outbox-banner"' in page
        assert "1 E-mail message waiting, not sent" in page and "No e-mail server is configured" in page
    page = client.get(reverse("messages:outbox")).content.decode()
    assert "Okafor" in page and "Not sent" in page and ">Sent<" not in page
    # Still not configured: nothing to send again.
    client.post(reverse("messages:send_again"))
    message.refresh_from_db()
    assert message.status == MessageStatus.NOT_SENT
    settings.CLINICDESK_EMAIL_URL = "smtp://127.0.0.1:1?from=office@lakeside.example"
    response = client.post(reverse("messages:send_again"), follow=True)
    assert "1 message queued again" in response.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED


def test_no_banner_when_configured_and_nothing_waits(settings: Any, frontdesk: Any) -> None:
    settings.CLINICDESK_EMAIL_URL = "smtp://127.0.0.1:1025"
    settings.CLINICDESK_SMS_URL = "webhook+http://127.0.0.1:9/send?token=s"
    page = client_for(frontdesk).get(reverse("messages:outbox")).content.decode()
    assert 'id="outbox-banner"' not in page and "Nothing is waiting" in page


def test_failed_reminders_selector_and_day_view_banner(frontdesk: Any, clinic: Clinic, monday: date,
                                                       emailable: Patient, other_patient: Patient) -> None:
    failed = reminder(book(clinic, emailable, monday, 9), status="failed", error="550 No such user")
    reminder(book(clinic, other_patient, monday, 10), status="sent", step=2)
    cancelled = reminder(book(clinic, other_patient, monday, 11), status="not_sent",
                         reason="The appointment was cancelled", step=3)
    bounced = reminder(book(clinic, emailable, monday + timedelta(days=1), 9), status="bounced", step=4)
    org = clinic.org
    assert [m.pk for m in failed_reminders(organization=org, day=monday)] == [failed.pk]
    assert [m.pk for m in failed_reminders(organization=org, day=monday + timedelta(days=1))] == [bounced.pk]
    client = client_for(frontdesk)
    day_page = client.get(reverse("schedule:day"), {"date": monday.isoformat()}).content.decode()
    banner_url = reverse("messages:day_failed")
    assert f'hx-get="{banner_url}?date={monday.isoformat()}' in day_page
    banner = client.get(banner_url, {"date": monday.isoformat(), "location": str(clinic.location.pk)})
    text = banner.content.decode()
    assert "1 reminder for this day did not reach the patient" in text and "Okafor" in text
    assert "550 No such user" in text and str(cancelled.pk) not in text
    assert client.get(banner_url, {"date": (monday + timedelta(days=2)).isoformat()}).content.decode().strip() == ""


def test_chart_shows_message_history_and_failed_reminders(frontdesk: Any, clinician: Any, clinic: Clinic,
                                                          monday: date, emailable: Patient) -> None:
    reminder(book(clinic, emailable, monday, 9), status="failed", error="Gave up after 8 attempts")
    reminder(book(clinic, emailable, monday, 10), status="delivered", step=2, channel="sms")
    page = client_for(frontdesk).get(reverse("patients:chart", args=[emailable.pk])).content.decode()
    assert 'id="messages"' in page and "Reminder not delivered" in page and "Gave up after 8 attempts" in page
    assert "Delivered" in page and "Send a message" in page
    # A role without messaging permissions does not get the section.
    page = client_for(clinician).get(reverse("patients:chart", args=[emailable.pk])).content.decode()
    assert 'id="messages"' not in page


def test_outsider_sees_none_of_this_practices_messages(outsider: Any, clinic: Clinic, monday: date,
                                                       emailable: Patient) -> None:
    reminder(book(clinic, emailable, monday), status="failed", error="boom")
    client = client_for(outsider)
    assert "Okafor" not in client.get(reverse("messages:log")).content.decode()
    assert "Okafor" not in client.get(reverse("messages:outbox")).content.decode()
    assert "Okafor" not in client.get(reverse("messages:day_failed"), {"date": monday.isoformat()}).content.decode()
    assert OutboundMessage.objects.count() == 1
