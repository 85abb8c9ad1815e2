"""CLINICDESK_EMAIL_URL names the server; no database needed."""

from __future__ import annotations

import pytest

from clinicdesk.messaging.email import EmailConfig, parse_email_url


def test_a_plain_url_gives_host_port_and_no_tls() -> None:
    assert parse_email_url("smtp://127.0.0.1:1025") == EmailConfig(host="127.0.0.1", port=1025)


def test_starttls_user_password_and_sender_come_from_the_url() -> None:
    config = parse_email_url("smtp://front%40desk:p%3Ass@mail.example.org:587?starttls=1&from=office@example.org")
    assert (config.host, config.port, config.username, config.password) == ("mail.example.org", 587,
                                                                             "front@desk", "p:ss")
    assert config.use_tls and not config.use_ssl
    assert config.from_email == "office@example.org"


def test_smtps_means_implicit_tls_on_port_465_by_default() -> None:
    config = parse_email_url("smtps://user:secret@mail.example.org")
    assert (config.port, config.use_ssl, config.use_tls) == (465, True, False)


def test_smtp_defaults_to_port_25() -> None:
    assert parse_email_url("smtp://relay.local").port == 25


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtps://h?starttls=1", "mail.example.org"])
def test_urls_that_cannot_name_a_server_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        parse_email_url(url)
