"""The SMTP integration: the only code that talks to a mail server.

``CLINICDESK_EMAIL_URL`` names the server: ``smtp://user:pass@host:587?starttls=1&from=office@example.org`` for
STARTTLS on the submission port, ``smtps://user:pass@host:465`` for implicit TLS, ``smtp://127.0.0.1:1025`` for a
local relay. User and password are percent-decoded. Unset means "not configured": nothing is sent, and the caller
records why. Failures come back as :class:`TemporaryFailure` (worth retrying: 4xx replies, refused or dropped
connections, timeouts) or :class:`PermanentFailure` (5xx replies: the server will never accept this message).
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

NOT_CONFIGURED = "No e-mail server is configured (CLINICDESK_EMAIL_URL)"
_TRUE = {"1", "true", "yes", "on"}
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class EmailNotConfigured(Exception):
    """There is no usable server; the message must not be marked sent."""


class TemporaryFailure(Exception):
    """The server or the network said "not now": try again later."""


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx reply)."""


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False  # STARTTLS after connecting
    use_ssl: bool = False  # TLS from the first byte (smtps)
    from_email: str = ""
    timeout: float = 30.0


def parse_email_url(url: str) -> EmailConfig:
    """Read an ``smtp://`` or ``smtps://`` URL; raise ``ValueError`` on anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS:
        raise ValueError(f"unsupported e-mail URL scheme {parts.scheme!r}: use smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("the e-mail URL has no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    use_ssl = parts.scheme == "smtps"
    use_tls = query.get("starttls", "").lower() in _TRUE
    if use_ssl and use_tls:
        raise ValueError("smtps:// already uses TLS: drop starttls")
    return EmailConfig(
        host=parts.hostname, port=parts.port or _DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username or ""), password=unquote(parts.password or ""),
        use_tls=use_tls, use_ssl=use_ssl, from_email=query.get("from", ""),
        timeout=float(query.get("timeout", "30")),
    )


def email_config() -> EmailConfig:
    """The configured server, or ``EmailNotConfigured`` (also for a URL that cannot be read)."""
    url = getattr(settings, "CLINICDESK_EMAIL_URL", "")
    if not url:
        raise EmailNotConfigured(NOT_CONFIGURED)
    try:
        return parse_email_url(url)
    except ValueError as exc:
        raise EmailNotConfigured(f"CLINICDESK_EMAIL_URL cannot be used: {exc}") from exc


def connection_for(config: EmailConfig) -> EmailBackend:
    return EmailBackend(host=config.host, port=config.port, username=config.username or None,
                        password=config.password or None, use_tls=config.use_tls, use_ssl=config.use_ssl,
                        timeout=config.timeout, fail_silently=False)


def send_email(*, config: EmailConfig, to: str, subject: str, body: str, message_id: str,
               attachments: Sequence[tuple[str, bytes, str]] = ()) -> None:
    """Hand one message to the server. Returns once the server has accepted it (250 after DATA).
    ``attachments`` are ``(filename, content, mimetype)``."""
    _send(connection_for(config), config=config, to=to, subject=subject, body=body, message_id=message_id,
          attachments=attachments)


class SmtpSession:
    """One SMTP connection for a run of messages (a worker's batch): connect once, send many, quit at the end.

    Opened lazily by the first :meth:`send`; after any failure the connection is dropped and the next message
    opens a new one, so one refusal or a server that hung up never affects the messages after it."""

    def __init__(self) -> None:
        self.config: EmailConfig | None = None
        self.backend: EmailBackend | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, *, config: EmailConfig, to: str, subject: str, body: str, message_id: str,
             attachments: Sequence[tuple[str, bytes, str]] = ()) -> None:
        """As :func:`send_email`, over the session's connection."""
        if self.backend is None or self.config != config:
            self.close()
            self.config, self.backend = config, connection_for(config)
        try:
            _send(self.backend, config=config, to=to, subject=subject, body=body, message_id=message_id,
                  attachments=attachments, keep_open=True)
        except (TemporaryFailure, PermanentFailure):
            self.close()
            raise

    def close(self) -> None:
        if self.backend is not None:
            try:
                self.backend.close()  # QUIT; never raises with a dead connection
            finally:
                self.backend = None


def _send(connection: EmailBackend, *, config: EmailConfig, to: str, subject: str, body: str, message_id: str,
          attachments: Sequence[tuple[str, bytes, str]], keep_open: bool = False) -> None:
    """Send over ``connection``; ``keep_open`` opens it first (a no-op when open), so it is left open after."""
    message = EmailMessage(subject=subject, body=body, from_email=config.from_email or settings.DEFAULT_FROM_EMAIL,
                           to=[to], headers={"Message-ID": message_id}, connection=connection)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    try:
        if keep_open:
            connection.open()
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _by_code(code, text) from exc
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth failed, ...
        raise _by_code(exc.smtp_code, exc.smtp_error) from exc
    except (smtplib.SMTPException, OSError) as exc:  # disconnected, refused, timeout, TLS handshake
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


def _by_code(code: int, text: bytes | str) -> Exception:
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    error = f"{code} {reply}".strip()
    return PermanentFailure(error) if 500 <= code < 600 else TemporaryFailure(error)
