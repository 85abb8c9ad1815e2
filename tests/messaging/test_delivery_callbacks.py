"""Delivery reports: the generic provider's and Twilio's status callbacks (authenticated, idempotent, forward only),
and bounced e-mail (a DSN through ``clinicdesk message_bounce``), end to end with the real SMTP server."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.test import Client

from clinicdesk.audit.models import AuditEvent
from clinicdesk.messaging.callbacks import bounce_details, email_bounce_receive
from clinicdesk.messaging.inbound import twilio_signature
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import message_deliver
from clinicdesk.patients.models import Patient
from tests.conftest import make_patient
from tests.messaging.conftest import SmtpServer, queue_email
from tests.messaging.test_sms import SID, TOKEN, FakeProvider, provider, queue_sms, texter  # noqa: F401
from tests.messaging.ui_helpers import book, reminder
from tests.scheduling.conftest import Clinic

pytestmark = pytest.mark.django_db
WEBHOOK = "/m/sms/status/webhook/?token=s3cret"
TWILIO = "/m/sms/status/twilio/"


@pytest.fixture
def texted(clinic: Clinic, monday: date) -> OutboundMessage:
    patient = make_patient(clinic.org, family_name="Okafor", given_name="Chidi", phone_mobile="(217) 555-0142",
                           consent_sms=True)
    return reminder(book(clinic, patient, monday), status="sent", channel="sms", provider_id="SM123")


def report(body: dict[str, str], path: str = WEBHOOK) -> Any:
    return Client().post(path, json.dumps(body), content_type="application/json")


def twilio_post(params: dict[str, str], signature: str | None = None) -> Any:
    signature = signature if signature is not None else twilio_signature(f"http://testserver{TWILIO}", params, TOKEN)
    return Client().post(TWILIO, params, headers={"X-Twilio-Signature": signature})


def status_of(message: OutboundMessage) -> str:
    message.refresh_from_db()
    return message.status


def test_generic_provider_reports_delivered_once(settings: Any, texted: OutboundMessage) -> None:
    settings.CLINICDESK_SMS_URL = "webhook+http://127.0.0.1:9/send?token=s3cret"
    assert report({"id": "SM123", "status": "delivered"}).json() == {"result": "changed"}
    assert status_of(texted) == MessageStatus.DELIVERED
    assert report({"id": "SM123", "status": "delivered"}).json() == {"result": "unchanged"}
    assert AuditEvent.objects.filter(action="message.delivered", object_id=str(texted.pk)).count() == 1
    # A late "failed" from the carrier after delivery to the network is kept; progress words change nothing.
    assert report({"id": "SM123", "status": "sent"}).json() == {"result": "ignored"}
    assert report({"id": "SM123", "status": "undelivered", "error": "30003 Unreachable"}).json() == {
        "result": "changed"}
    texted.refresh_from_db()
    assert (texted.status, texted.last_error) == (MessageStatus.FAILED, "30003 Unreachable")
    assert report({"id": "SM123", "status": "delivered"}).json() == {"result": "unchanged"}  # never backwards
    assert report({"id": "nobody", "status": "delivered"}).json() == {"result": "unknown"}


def test_generic_provider_needs_the_token_and_json(settings: Any, texted: OutboundMessage) -> None:
    settings.CLINICDESK_SMS_URL = "webhook+http://127.0.0.1:9/send?token=s3cret"
    assert report({"id": "SM123", "status": "delivered"}, path="/m/sms/status/webhook/?token=wrong").status_code == 403
    assert report({"id": "SM123", "status": "delivered"}, path="/m/sms/status/webhook/").status_code == 403
    assert Client().post(WEBHOOK, "not json", content_type="application/json").status_code == 400
    assert Client().post(WEBHOOK, "[1]", content_type="application/json").status_code == 400
    assert report({"id": "SM123", "status": "delivered"}, path=TWILIO).status_code == 404  # not the provider
    assert Client().get(WEBHOOK).status_code == 405
    assert status_of(texted) == MessageStatus.SENT


def test_twilio_status_callback_signed(settings: Any, texted: OutboundMessage) -> None:
    settings.CLINICDESK_SMS_URL = f"twilio+https://{SID}:{TOKEN}@api.twilio.com/2010-04-01?from=+15550100"
    params = {"MessageSid": "SM123", "MessageStatus": "failed", "ErrorCode": "30006", "AccountSid": SID}
    assert twilio_post(params, signature="forged").status_code == 403
    assert status_of(texted) == MessageStatus.SENT
    assert twilio_post({**params, "MessageStatus": "sending"}).json() == {"result": "ignored"}
    assert twilio_post(params).json() == {"result": "changed"}
    texted.refresh_from_db()
    assert (texted.status, texted.last_error) == (MessageStatus.FAILED, "Provider error 30006")
    assert twilio_post(params).json() == {"result": "unchanged"}


def test_no_provider_configured_is_404(settings: Any) -> None:
    settings.CLINICDESK_SMS_URL = ""
    assert report({"id": "x", "status": "delivered"}).status_code == 404


def dsn(message_id: str, action: str = "failed") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.org\r\nTo: office@lakeside.example\r\nSubject: Undelivered Mail\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; chidi@example.org\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\nSubject: Reminder\r\n\r\n"
        "--B--\r\n").encode()


def test_bounced_email_end_to_end(smtp_server: SmtpServer, consenting_patient: Patient, monkeypatch: Any) -> None:
    message = queue_email(consenting_patient)
    assert message_deliver(message.pk) == MessageStatus.SENT
    message.refresh_from_db()
    sent_id = smtp_server.received[0].message["Message-ID"]
    assert message.provider_message_id == sent_id
    assert bounce_details(dsn(sent_id, action="delayed")) == ("", "")
    assert email_bounce_receive(dsn(sent_id, action="delayed")) == "ignored"
    assert email_bounce_receive(dsn("<nobody@example.org>")) == "unknown"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(dsn(sent_id))))
    out = io.StringIO()
    call_command("message_bounce", stdout=out)
    assert out.getvalue().strip() == "changed"
    message.refresh_from_db()
    assert message.status == MessageStatus.BOUNCED
    assert message.last_error == "smtp; 550 5.1.1 User unknown"
    assert email_bounce_receive(dsn(sent_id)) == "unchanged"
    assert AuditEvent.objects.filter(action="message.bounced", object_id=str(message.pk)).count() == 1


def test_sends_name_the_status_callback_then_the_report_lands(settings: Any, provider: FakeProvider,  # noqa: F811
                                                              texter: Patient) -> None:  # noqa: F811
    settings.CLINICDESK_PUBLIC_URL = "https://desk.example.org"
    settings.CLINICDESK_SMS_URL = provider.twilio_url()
    message = queue_sms(texter)
    assert message_deliver(message.pk) == MessageStatus.SENT
    form = parse_qs(provider.seen[0].body.decode())
    assert form["StatusCallback"] == ["https://desk.example.org/m/sms/status/twilio/"]
    message.refresh_from_db()
    params = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}
    assert twilio_post(params).json() == {"result": "changed"}
    assert status_of(message) == MessageStatus.DELIVERED
    settings.CLINICDESK_SMS_URL = provider.webhook_url()
    queue_sms(texter, key="sms:2")
    other = OutboundMessage.objects.get(idempotency_key="sms:2")
    message_deliver(other.pk)
    assert json.loads(provider.seen[1].body)["status_url"] == "https://desk.example.org/m/sms/status/webhook/"
