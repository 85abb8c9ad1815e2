"""Read one bounce report (a delivery status notification) from standard input and mark the message bounced.

Point the practice's bounce address at it, e.g. in Postfix's aliases: ``bounces: "|clinicdesk message_bounce"``."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from clinicdesk.messaging.callbacks import email_bounce_receive


class Command(BaseCommand):
    help = "Read a bounce report from stdin and mark the e-mail it is about as bounced."

    def handle(self, *args: Any, **options: Any) -> None:
        result = email_bounce_receive(sys.stdin.buffer.read())
        self.stdout.write(result)
