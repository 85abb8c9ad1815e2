"""``clinicdesk createtoken USERNAME``: print a new API bearer token for that user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicdesk.audit.services import Actor
from clinicdesk.staff.models import User
from clinicdesk.staff.services import token_create


class Command(BaseCommand):
    help = "Create an API bearer token for USERNAME and print it (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'lab interface'")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        if not user.has_perm("staff.use_api"):
            raise CommandError(f"User {username!r} has no role that may use the API.")
        self.stdout.write(token_create(actor=Actor.system(), user=user, name=name))
