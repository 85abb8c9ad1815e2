"""``clinicdesk hl7_import FILE...``: receive HL7 v2 batch files (or single messages) as the drop directory does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicdesk.audit.services import Actor
from clinicdesk.labs.batch import hl7_import_file


class Command(BaseCommand):
    help = ("Receive HL7 v2 batch files: every message stored once (a resend is recognised) and acknowledged; "
            "the batch ACK is printed, or with --move written to processed/<name>.ack beside the file.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--move", action="store_true",
                            help="Move each file to processed/ (with its .ack) or failed/ (with a .reason), "
                                 "as the drop directory does.")

    def handle(self, *args: Any, files: list[Path], move: bool, **options: Any) -> None:
        failed = []
        for path in files:
            outcome = hl7_import_file(path=path, actor=Actor.system(via="hl7-file"), move=move)
            where = f" -> {outcome.moved_to}" if outcome.moved_to else ""
            if outcome.result is None:
                failed.append(path)
                self.stderr.write(f"{path}: not processed: {outcome.reason}{where}")
                continue
            self.stderr.write(f"{path}: {outcome.result.summary}{where}")
            if not move:
                self.stdout.write(outcome.result.ack.decode("utf-8", errors="replace").replace("\r", "\n"),
                                  ending="")
        if failed:
            raise CommandError(f"{len(failed)} file(s) not processed")
