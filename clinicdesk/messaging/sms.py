"""The SMS integration: the only code that talks to a text-message provider (over HTTP, standard library only).

``CLINICDESK_SMS_URL`` names the provider:

* ``webhook+https://sms.example.org/send?token=SECRET&from=+15550100`` — a generic HTTP provider: each message is
  POSTed as JSON ``{"to", "from", "body", "id"}`` to the URL after the ``webhook+`` (its query, with the token, is
  kept; ``from`` and ``timeout`` are ours and removed). A JSON reply with ``"id"`` gives the provider's message id.
  The same ``token`` authenticates the provider's calls to the inbound webhook (``?token=SECRET``).
* ``twilio+https://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/2010-04-01?from=+15550100`` — Twilio or a compatible API:
  a form POST of ``To``, ``From``, ``Body`` to ``.../Accounts/{sid}/Messages.json`` with basic auth; the reply's
  ``sid`` is the provider's message id. Inbound calls are checked with ``X-Twilio-Signature``.
  With ``CLINICDESK_PUBLIC_URL`` set, each send names the delivery-report address (``StatusCallback`` for Twilio,
  ``status_url`` for the generic provider).

A ``+`` in ``from`` may be written plainly. Unset means "not configured": nothing is sent and the caller records
why. Failures are :class:`TemporaryFailure` (5xx, 408, 429, refused connection, timeout: try again) or
:class:`PermanentFailure` (any other 4xx: the provider will never accept this message).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from django.conf import settings

NOT_CONFIGURED = "No SMS provider is configured"
KINDS = ("webhook", "twilio")
_RETRYABLE_4XX = {408, 425, 429}


class SmsNotConfigured(Exception):
    """There is no usable provider; the message must not be marked sent."""


class TemporaryFailure(Exception):
    """The provider or the network said "not now": try again later."""


class PermanentFailure(Exception):
    """The provider refused the message for good (a 4xx reply)."""


@dataclass(frozen=True)
class SmsConfig:
    kind: str  # "webhook" or "twilio"
    endpoint: str  # where messages are POSTed
    from_number: str = ""
    secret: str = ""  # the webhook's token, or Twilio's auth token: also checks inbound calls
    account_sid: str = ""
    timeout: float = 15.0


def parse_sms_url(url: str) -> SmsConfig:
    """Read a ``webhook+http(s)://`` or ``twilio+http(s)://`` URL; raise ``ValueError`` on anything else."""
    parts = urlsplit(url.strip())
    kind, _, transport = parts.scheme.partition("+")
    if kind not in KINDS or transport not in ("http", "https"):
        raise ValueError(f"unsupported SMS URL scheme {parts.scheme!r}: use webhook+https:// or twilio+https://")
    if not parts.hostname:
        raise ValueError("the SMS URL has no host")
    query = parse_qsl(parts.query, keep_blank_values=True)
    ours = {key: value for key, value in query if key in ("from", "timeout")}
    theirs = [(key, value) for key, value in query if key not in ("from", "timeout")]
    from_number = ours.get("from", "").replace(" ", "+").strip()  # a plain "+" in a query reads as a space
    timeout = float(ours.get("timeout", "15"))
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    if kind == "webhook":
        secret = dict(theirs).get("token", "")
        endpoint = urlunsplit((transport, parts.netloc, parts.path, urlencode(theirs), ""))
        return SmsConfig(kind=kind, endpoint=endpoint, from_number=from_number, secret=secret, timeout=timeout)
    sid, token = unquote(parts.username or ""), unquote(parts.password or "")
    if not sid or not token:
        raise ValueError("a twilio+ URL needs ACCOUNT_SID:AUTH_TOKEN@ before the host")
    if not from_number:
        raise ValueError("a twilio+ URL needs ?from=+1555... (the sending number)")
    path = parts.path.rstrip("/") or "/2010-04-01"
    endpoint = urlunsplit((transport, netloc, f"{path}/Accounts/{sid}/Messages.json", "", ""))
    return SmsConfig(kind=kind, endpoint=endpoint, from_number=from_number, secret=token, account_sid=sid,
                     timeout=timeout)


def sms_config() -> SmsConfig:
    """The configured provider, or ``SmsNotConfigured`` (also for a URL that cannot be read)."""
    url = settings.CLINICDESK_SMS_URL
    if not url:
        raise SmsNotConfigured(NOT_CONFIGURED)
    try:
        return parse_sms_url(url)
    except ValueError as exc:
        raise SmsNotConfigured(f"CLINICDESK_SMS_URL cannot be used: {exc}") from exc


def status_callback_url(kind: str) -> str:
    """Where the provider reports delivery (callbacks.py), when CLINICDESK_PUBLIC_URL says how to reach us. The
    generic provider adds its ``?token=`` as for inbound texts; Twilio signs its calls."""
    base = getattr(settings, "CLINICDESK_PUBLIC_URL", "")
    return f"{base}/m/sms/status/{kind}/" if base else ""


def send_sms(*, config: SmsConfig, to: str, body: str, message_id: str) -> str:
    """Hand one text to the provider; return the provider's id for it (ours if it gives none)."""
    callback = status_callback_url(config.kind)
    if config.kind == "twilio":
        form = {"To": to, "From": config.from_number, "Body": body}
        if callback:
            form["StatusCallback"] = callback
        data = urlencode(form).encode()
        credentials = base64.b64encode(f"{config.account_sid}:{config.secret}".encode()).decode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {credentials}"}
    else:
        fields = {"to": to, "from": config.from_number, "body": body, "id": message_id}
        if callback:
            fields["status_url"] = callback
        data = json.dumps(fields).encode()
        headers = {"Content-Type": "application/json"}
    headers["Accept"] = "application/json"
    request = urllib.request.Request(config.endpoint, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=config.timeout) as response:  # noqa: S310 (scheme checked)
            reply = response.read(65536)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace").strip()
        error = f"HTTP {exc.code} {exc.reason}: {detail}".strip().rstrip(":")
        if 400 <= exc.code < 500 and exc.code not in _RETRYABLE_4XX:
            raise PermanentFailure(error) from exc
        raise TemporaryFailure(error) from exc
    except OSError as exc:  # URLError included: refused, reset, DNS, timeout, TLS
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    try:
        parsed = json.loads(reply or b"{}")
    except ValueError:
        parsed = {}
    key = "sid" if config.kind == "twilio" else "id"
    provider_id = parsed.get(key) if isinstance(parsed, dict) else None
    return str(provider_id) if provider_id else message_id
