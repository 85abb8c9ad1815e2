"""HL7 v2 batches: a file dropped into ``CLINICDESK_HL7_DROP_DIR``, ``clinicdesk hl7_import``, ``POST /hl7/batch``.

Every message of a batch goes through the same unit of work as MLLP (``services.hl7_receive``: stored once with
its ACK, a resend answered from the store), and the answer is a batch ACK (FHS, BHS, one ACK per message, BTS,
FTS). The drop directory: each settled file (not written to for ``SETTLE_SECONDS``; hidden and ``.tmp``/``.part``
names are left alone) is processed in arrival order, its batch ACK written to ``processed/<name>.ack`` and then
the file moved to ``processed/``. A file that cannot be read, or holds no MSH, is moved to ``failed/`` with
``<name>.reason`` beside it. A database failure leaves the file where it is, for the next sweep: already stored
messages are recognised as resends then, so nothing is stored twice and nothing is lost.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.labs.services import hl7_organization_id, hl7_receive
from clinicdesk.protocols.hl7v2.batch import ack_code_of, build_batch_ack, read_batch

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 100 * 1024 * 1024
SETTLE_SECONDS = 2.0
SWEEP_BUDGET_SECONDS = 40.0
PROCESSED, FAILED = "processed", "failed"
_SKIPPED_SUFFIXES = (".tmp", ".part", ".partial", ".ack", ".reason")


class BatchUnreadable(Exception):
    """The bytes are not an HL7 v2 message or batch at all (no MSH); nothing was stored."""


@dataclass(frozen=True)
class BatchResult:
    ack: bytes
    codes: tuple[str, ...]
    """MSA-1 of each message's ACK, in order."""
    problems: tuple[str, ...]

    @property
    def summary(self) -> str:
        counts = Counter(self.codes)
        text = f"{len(self.codes)} messages ({', '.join(f'{n} {c}' for c, n in sorted(counts.items()))})"
        return "; ".join([text, *self.problems])


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    moved_to: Path | None
    result: BatchResult | None
    reason: str = ""


def hl7_batch_receive(*, actor: Actor, raw: bytes, source: str, organization_id: int | None = None) -> BatchResult:
    """Each message received (stored, filed) on its own, in order; then the batch ACK. Raises BatchUnreadable
    for bytes holding no MSH, and whatever the database raises (the caller then answers nothing)."""
    batch = read_batch(raw)
    if not any(m.lstrip(b"\x00\x0b\x1c \t\r\n").startswith(b"MSH") for m in batch.messages):
        raise BatchUnreadable("no MSH segment: not an HL7 v2 message or batch")
    acks = [hl7_receive(raw=m, peer=source, organization_id=organization_id) for m in batch.messages]
    codes = tuple(ack_code_of(a) for a in acks)
    with transaction.atomic():
        audit_record(actor=actor, action=Action.CREATE, object_type="HL7Batch", object_id=source[:100],
                     organization_id=organization_id or hl7_organization_id(),
                     detail={"source": source, "messages": len(acks), "ack_codes": dict(Counter(codes)),
                             "file": batch.file.name if batch.file else "",
                             "batch": batch.batch.control_id if batch.batch else "",
                             "problems": list(batch.problems)})
    return BatchResult(build_batch_ack(batch, acks), codes, batch.problems)


# --- files ----------------------------------------------------------------------------------------------------


def hl7_drop_sweep() -> int:
    """The periodic job: the settled files in ``CLINICDESK_HL7_DROP_DIR``; how many files were handled.

    It starts no new file after ``SWEEP_BUDGET_SECONDS``, so a backlog does not hold up the sweep's other jobs;
    the rest waits for the next minute."""
    directory = getattr(settings, "CLINICDESK_HL7_DROP_DIR", "")
    if not directory or not Path(directory).is_dir():
        return 0
    return len(hl7_drop_process(directory=Path(directory), budget=SWEEP_BUDGET_SECONDS))


def hl7_drop_process(*, directory: Path, settle: float = SETTLE_SECONDS,
                     budget: float | None = None) -> list[FileOutcome]:
    """Each waiting file, oldest first; with ``budget`` (seconds), no new file is started once it is spent."""
    deadline = time.monotonic() + budget if budget is not None else None
    outcomes: list[FileOutcome] = []
    for path in waiting_files(directory, settle):
        if deadline is not None and time.monotonic() >= deadline:
            break
        outcomes.append(hl7_import_file(path=path))
    return outcomes


def waiting_files(directory: Path, settle: float = SETTLE_SECONDS) -> list[Path]:
    """The files to process, oldest first: regular, visible, not partial, untouched for ``settle`` seconds."""
    cutoff = time.time() - settle
    found: list[tuple[float, str, Path]] = []
    for entry in os.scandir(directory):
        name = entry.name
        if name.startswith(".") or name.lower().endswith(_SKIPPED_SUFFIXES) or not entry.is_file():
            continue
        try:
            mtime = entry.stat().st_mtime
        except OSError:
            continue  # gone meanwhile (another worker)
        if mtime <= cutoff:
            found.append((mtime, name, Path(entry.path)))
    return [path for _, _, path in sorted(found)]


def hl7_import_file(*, path: Path, actor: Actor | None = None, move: bool = True) -> FileOutcome:
    """Receive the batch in ``path``. With ``move``: ``processed/`` (+ ``.ack``) or ``failed/`` (+ ``.reason``)
    beside it. Database errors propagate and leave the file in place."""
    try:
        raw = _read(path)
        result = hl7_batch_receive(actor=actor or Actor.system(via="hl7-file"), raw=raw,
                                   source=f"file:{path.name}"[:100])
    except BatchUnreadable as unreadable:
        reason = str(unreadable)
        log.warning("HL7 file %s not processed: %s", path.name, reason)
        return FileOutcome(path, _file_away(path, FAILED, ".reason", reason.encode() + b"\n") if move else None,
                           None, reason)
    moved = _file_away(path, PROCESSED, ".ack", result.ack) if move else None
    return FileOutcome(path, moved, result)


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BatchUnreadable(f"file too large: {size} bytes (at most {MAX_FILE_BYTES})")
        raw = path.read_bytes()
    except OSError as exc:
        raise BatchUnreadable(f"cannot read the file: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise BatchUnreadable("empty file")
    return raw


def _file_away(path: Path, folder: str, suffix: str, note: bytes) -> Path | None:
    """Write the note first (.ack or .reason), then move the file beside it: a crash in between leaves the file
    to be processed again, never a file without its answer."""
    target_dir = path.parent / folder
    target_dir.mkdir(exist_ok=True)
    target = _free_name(target_dir / path.name)
    partial = target.with_name(f".{target.name}{suffix}.tmp")
    partial.write_bytes(note)
    os.replace(partial, target.with_name(target.name + suffix))
    try:
        os.replace(path, target)
    except FileNotFoundError:  # another worker moved it first; its messages were answered as resends here
        return None
    return target


def _free_name(target: Path) -> Path:
    if not target.exists():
        return target
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return target.with_name(f"{target.stem}.{stamp}{target.suffix}")
