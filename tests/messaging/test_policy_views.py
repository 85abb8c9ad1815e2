"""The reminder policy editor, quiet hours, and the template editor with its live preview, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.messaging.models import MessageTemplate, MessagingSettings, ReminderPolicy
from clinicdesk.messaging.setup_services import parse_steps
from tests.conftest import client_for
from tests.scheduling.conftest import Clinic

pytestmark = pytest.mark.django_db
BODY = "Dear {patient_first_name}, see {practitioner_name} on {appointment_date} at {appointment_time}."


def make_template(org: Any, key: str = "reminder", channel: str = "email", language: str = "en") -> MessageTemplate:
    return MessageTemplate.objects.create(organization=org, key=key, channel=channel, language=language,
                                          subject="Reminder" if channel == "email" else "", body=BODY)


def test_parse_steps() -> None:
    steps = parse_steps("7d email reminder\n\n1 day sms reminder\n2h SMS short\n90m e-mail reminder")
    assert [(s.offset_minutes, s.channel, s.template_key) for s in steps] == [
        (10080, "email", "reminder"), (1440, "sms", "reminder"), (120, "sms", "short"), (90, "email", "reminder")]
    assert [s.line() for s in steps] == ["7d email reminder", "1d sms reminder", "2h sms short", "90m email reminder"]
    for bad in ("tomorrow email reminder", "1d fax reminder", "61d email x", "1d email a\n24h email b"):
        with pytest.raises(Exception, match="Line"):
            parse_steps(bad)


def test_manager_creates_and_edits_a_policy_keeping_unchanged_steps(manager: Any, clinic: Clinic) -> None:
    make_template(clinic.org)
    make_template(clinic.org, channel="sms")
    client = client_for(manager)
    assert client.get(reverse("messages:policy_new")).status_code == 200
    response = client.post(reverse("messages:policy_new"), {
        "name": "MRI", "appointment_type": clinic.mri.pk, "active": "on",
        "steps": "7d email reminder\n1d sms reminder\n2h sms reminder"})
    assert response.status_code == 302
    policy = ReminderPolicy.objects.get(name="MRI")
    assert policy.appointment_type == clinic.mri and policy.active
    assert sorted((s.offset_minutes, s.channel) for s in policy.steps.all()) == [(120, "sms"), (1440, "sms"),
                                                                                  (10080, "email")]
    kept = policy.steps.get(offset_minutes=1440).pk
    page = client.get(reverse("messages:policy_edit", args=[policy.pk])).content.decode()
    assert "7d email reminder" in page
    client.post(reverse("messages:policy_edit", args=[policy.pk]), {
        "name": "MRI", "appointment_type": clinic.mri.pk, "steps": "1d sms reminder"})
    policy.refresh_from_db()
    assert not policy.active
    assert [s.pk for s in policy.steps.all()] == [kept]
    assert AuditEvent.objects.filter(object_type="ReminderPolicy", object_id=str(policy.pk)).count() == 2
    page = client.get(reverse("messages:policies")).content.decode()
    assert "MRI with contrast" in page and "1 d" in page


def test_policy_errors_are_shown_on_the_form(manager: Any, clinic: Clinic) -> None:
    make_template(clinic.org)
    client = client_for(manager)
    for steps, error in (("1d sms reminder", "There is no SMS template"), ("soon email reminder", "Line 1"),
                         ("", "at least one step")):
        response = client.post(reverse("messages:policy_new"), {"name": "X", "active": "on", "steps": steps})
        assert response.status_code == 200
        assert error in response.content.decode()
    client.post(reverse("messages:policy_new"), {"name": "Standard", "active": "on", "steps": "1d email reminder"})
    response = client.post(reverse("messages:policy_new"), {"name": "Standard", "steps": "1d email reminder"})
    assert "Another policy has this name" in response.content.decode()


def test_quiet_hours_and_language(manager: Any, clinic: Clinic) -> None:
    client = client_for(manager)
    response = client.post(reverse("messages:settings"), {"quiet_start": "20:30", "quiet_end": "07:45",
                                                          "default_language": "es"})
    assert response.status_code == 302
    settings = MessagingSettings.objects.get(organization=clinic.org)
    assert (f"{settings.quiet_start:%H:%M}", f"{settings.quiet_end:%H:%M}") == ("20:30", "07:45")
    assert settings.default_language == "es"
    assert client.post(reverse("messages:settings"), {"quiet_start": "25:00", "quiet_end": "x",
                                                      "default_language": "es"}).status_code == 200


def test_template_editor_live_preview_and_merge_field_errors(manager: Any, clinic: Clinic, settings: Any) -> None:
    settings.CLINICDESK_PUBLIC_URL = "https://desk.example.org"
    client = client_for(manager)
    preview = client.post(reverse("messages:template_preview"), {
        "channel": "sms", "subject": "", "body": "Hi {patient_first_name}, {practitioner_name} at "
                                                 "{appointment_time}. Confirm: {confirm_link}"})
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "Hi Alex, Dr. Maria Lindqvist, MD at 10:00 AM. Confirm: https://desk.example.org/m/" in text
    assert "characters" in text
    bad = client.post(reverse("messages:template_preview"), {"channel": "email", "subject": "{nope}",
                                                             "body": "Hi {patient_name} {"}).content.decode()
    assert 'id="preview-errors"' in bad
    assert "Subject: Unknown merge field: {nope}" in bad and "Text:" in bad
    # Saving a bad template shows the error next to the field; a good one is saved and audited.
    response = client.post(reverse("messages:template_new"), {
        "key": "reminder", "language": "en", "channel": "email", "subject": "Hi", "body": "Hi {patient_name}",
        "active": "on"})
    assert response.status_code == 200 and "Unknown merge field" in response.content.decode()
    response = client.post(reverse("messages:template_new"), {
        "key": "reminder", "language": "en", "channel": "email", "subject": "Your visit", "body": BODY,
        "active": "on"})
    assert response.status_code == 302
    template = MessageTemplate.objects.get(organization=clinic.org, key="reminder")
    assert AuditEvent.objects.filter(object_type="MessageTemplate", object_id=str(template.pk)).exists()
    page = client.get(reverse("messages:template_edit", args=[template.pk])).content.decode()
    assert "Dear Alex, see Dr. Maria Lindqvist, MD on" in page  # the preview on first load
    response = client.post(reverse("messages:template_new"), {
        "key": "reminder", "language": "en", "channel": "email", "subject": "Again", "body": BODY})
    assert response.status_code == 200  # the same key, language and channel twice


def test_link_fields_without_public_url_are_flagged(manager: Any, clinic: Clinic, settings: Any) -> None:
    settings.CLINICDESK_PUBLIC_URL = ""
    text = client_for(manager).post(reverse("messages:template_preview"), {
        "channel": "sms", "body": "Confirm: {confirm_link}"}).content.decode()
    assert "CLINICDESK_PUBLIC_URL is not set" in text


def test_policy_screens_need_manage_permissions(frontdesk: Any, outsider: Any, manager: Any, clinic: Clinic) -> None:
    make_template(clinic.org)
    policy = ReminderPolicy.objects.create(organization=clinic.org, name="Standard")
    template = MessageTemplate.objects.get(organization=clinic.org)
    client = client_for(frontdesk)
    for url in (reverse("messages:policies"), reverse("messages:policy_new"), reverse("messages:settings"),
                reverse("messages:template_edit", args=[template.pk])):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("messages:template_preview"), {"body": "x"}).status_code == 403
    other = client_for(outsider)
    assert other.get(reverse("messages:policy_edit", args=[policy.pk])).status_code == 404
    assert other.get(reverse("messages:template_edit", args=[template.pk])).status_code == 404
    assert client_for(manager).get(reverse("messages:policies")).status_code == 200
