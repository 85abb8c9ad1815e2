"""SMS through a provider's HTTP API, against a local http.server playing the generic webhook and Twilio."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from clinicdesk.audit.services import Actor
from clinicdesk.messaging import sms
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import NO_SMS_CONSENT, NO_SMS_PROVIDER, message_deliver, message_queue
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db
SID, TOKEN = "AC0123456789abcdef", "auth-token-42"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeProvider:
    """Records every request; answers with the next of ``replies`` ((status, body)), then 201 and an id."""

    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    replies: list[tuple[int, bytes]] = field(default_factory=list)

    def webhook_url(self) -> str:
        return f"webhook+http://127.0.0.1:{self.port}/send?token=s3cret&from=+15550100"

    def twilio_url(self) -> str:
        return f"twilio+http://{SID}:{TOKEN}@127.0.0.1:{self.port}/2010-04-01?from=+15550100"


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fake.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, reply = fake.replies.pop(0) if fake.replies else (201, b'{"id": "prov-1", "sid": "SM123"}')
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def texter(org: Organization) -> Patient:
    return make_patient(org, family_name="Okafor", given_name="Chidi", phone_mobile="(217) 555-0142",
                        consent_sms=True)


def queue_sms(patient: Patient, key: str = "sms:1", **overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "actor": Actor.system(via="test"), "organization": patient.organization, "patient": patient,
        "channel": "sms", "to": patient.phone_mobile, "template": "reminder.1d",
        "subject": "", "body": "See you Monday at 10:00.", "idempotency_key": key,
    }
    values.update(overrides)
    return message_queue(**values)


def test_webhook_url_keeps_the_token_and_reads_from_and_timeout() -> None:
    config = sms.parse_sms_url("webhook+https://sms.example.org/send?token=abc&from=+15550100&timeout=5")
    assert config == sms.SmsConfig(kind="webhook", endpoint="https://sms.example.org/send?token=abc",
                                   from_number="+15550100", secret="abc", timeout=5.0)


def test_twilio_url_points_at_the_accounts_messages_resource() -> None:
    config = sms.parse_sms_url(f"twilio+https://{SID}:{TOKEN}@api.twilio.com/2010-04-01?from=%2B15550100")
    assert config.endpoint == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    assert (config.account_sid, config.secret, config.from_number) == (SID, TOKEN, "+15550100")


@pytest.mark.parametrize("url", ["http://x.example/send", "webhook+ftp://x.example/", "twilio+https://api.example/",
                                 "twilio+https://a:b@api.example/2010-04-01"])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        sms.parse_sms_url(url)


def test_without_a_provider_sms_is_not_sent_and_says_why(settings: Any, texter: Patient) -> None:
    settings.CLINICDESK_SMS_URL = ""
    message = queue_sms(texter)
    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    message.refresh_from_db()
    assert message.status_reason == NO_SMS_PROVIDER


def test_webhook_provider_gets_json_and_its_id_is_stored(settings: Any, provider: FakeProvider,
                                                         texter: Patient) -> None:
    settings.CLINICDESK_SMS_URL = provider.webhook_url()
    message = queue_sms(texter)
    assert message_deliver(message.pk) == MessageStatus.SENT
    (seen,) = provider.seen
    assert seen.path == "/send?token=s3cret"
    assert seen.headers["content-type"] == "application/json"
    payload = json.loads(seen.body)
    assert payload["to"] == "+12175550142" and payload["from"] == "+15550100"
    assert payload["body"] == "See you Monday at 10:00." and payload["id"]
    message.refresh_from_db()
    assert message.provider_message_id == "prov-1" and message.sent_at is not None


def test_twilio_provider_gets_a_form_with_basic_auth_and_the_sid_is_stored(settings: Any, provider: FakeProvider,
                                                                           texter: Patient) -> None:
    settings.CLINICDESK_SMS_URL = provider.twilio_url()
    message = queue_sms(texter)
    assert message_deliver(message.pk) == MessageStatus.SENT
    (seen,) = provider.seen
    assert seen.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(seen.body.decode()) == {"To": ["+12175550142"], "From": ["+15550100"],
                                            "Body": ["See you Monday at 10:00."]}
    message.refresh_from_db()
    assert message.provider_message_id == "SM123"


def test_a_500_is_retried_later_and_then_sent(settings: Any, provider: FakeProvider, texter: Patient) -> None:
    settings.CLINICDESK_SMS_URL = provider.twilio_url()
    provider.replies.append((500, b'{"message": "try again"}'))
    message = queue_sms(texter)
    assert message_deliver(message.pk) == MessageStatus.QUEUED
    message.refresh_from_db()
    assert "HTTP 500" in message.last_error and message.next_attempt_at > timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert message_deliver(message.pk) == MessageStatus.SENT
    assert len(provider.seen) == 2


def test_a_400_fails_for_good(settings: Any, provider: FakeProvider, texter: Patient) -> None:
    settings.CLINICDESK_SMS_URL = provider.webhook_url()
    provider.replies.append((400, b'{"error": "not a mobile number"}'))
    message = queue_sms(texter)
    assert message_deliver(message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert "HTTP 400" in message.last_error and "not a mobile number" in message.last_error


def test_a_refused_connection_is_temporary(settings: Any, provider: FakeProvider, texter: Patient) -> None:
    settings.CLINICDESK_SMS_URL = "webhook+http://127.0.0.1:9/send?token=x&timeout=2"
    message = queue_sms(texter)
    assert message_deliver(message.pk) == MessageStatus.QUEUED


def test_no_consent_no_text(settings: Any, provider: FakeProvider, org: Organization) -> None:
    settings.CLINICDESK_SMS_URL = provider.webhook_url()
    patient = make_patient(org, phone_mobile="(217) 555-0199")
    message = queue_sms(patient)
    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    message.refresh_from_db()
    assert message.status_reason == NO_SMS_CONSENT and provider.seen == []
