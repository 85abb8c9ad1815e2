"""``clinicdesk demo [--patients N] [--seed S] [--appointments N] [--if-empty]``: load a synthetic practice
to try clinicdesk."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicdesk.demo.generate import generate_demo
from clinicdesk.practice.models import Organization

URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Load a deterministic synthetic practice (invented people only) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=2000, help="how many patients (default 2000)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same practice (default 1)")
        parser.add_argument("--appointments", type=int, default=None,
                            help="approximate number of past appointments (default: one year of history)")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the database already holds a practice")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patients"] < 0:
            raise CommandError("--patients must be 0 or more.")
        if options["appointments"] is not None and options["appointments"] < 0:
            raise CommandError("--appointments must be 0 or more.")
        if Organization.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already holds a practice: no demo data loaded.")
                return
            raise CommandError("The database already holds a practice; the demo loads into an empty database "
                               "(--if-empty skips quietly).")
        result = generate_demo(seed=options["seed"], patients=options["patients"], progress=self._progress,
                               appointments=options["appointments"])
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {result.organization.name}: {result.patients} patients ({result.duplicates} likely duplicates), "
            f"{result.coverages} coverages, seed {options['seed']}, in {result.seconds:.1f} s."))
        if result.schedule:
            self.stdout.write(f"Schedule: {result.schedule.appointments} appointments "
                              f"({result.schedule.upcoming} upcoming), {result.schedule.resources} resources, "
                              f"{result.schedule.types} appointment types.")
        self.stdout.write("Demo logins (one per role), all with the password " + result.password + ":")
        for role, username in result.logins.items():
            self.stdout.write(f"  {role:<10} {username} / {result.password}")
        self.stdout.write(f"Open {URL}")

    def _progress(self, done: int, total: int) -> None:
        if total >= 20_000 and (done % 20_000 == 0 or done == total):
            self.stdout.write(f"  {done} / {total} patients")
