"""``clinicdesk verify_audit``: walk every audit hash chain; exit non-zero when one is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clinicdesk.audit.selectors import audit_event_count, audit_verify_all


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains and report every break (exit status 1 when broken)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify_all()
        broken = [(chain, b) for chain, breaks in result.items() for b in breaks]
        for chain, b in broken:
            self.stderr.write(f"{chain} event {b.seq}: {b.reason}")
        if broken:
            chains = len({chain for chain, _ in broken})
            raise CommandError(f"audit trail broken: {len(broken)} break(s) in {chains} of {len(result)} chains")
        self.stdout.write(f"audit trail intact: {audit_event_count()} events in {len(result)} chains")
