"""Batches through the unit of work: each message stored once, a batch ACK back; the drop directory and command."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.test import override_settings

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.labs import batch as batch_module
from clinicdesk.labs.batch import BatchUnreadable, hl7_batch_receive, hl7_drop_process, hl7_drop_sweep
from clinicdesk.labs.models import InboundMessage
from clinicdesk.practice.models import Organization
from tests.protocols.hl7v2.helpers import ack_fields, fixture
from tests.protocols.hl7v2.test_batch import BATCHES, batch_fixture

SYSTEM = Actor.system(via="tests")


def drop(directory: Path, name: str, raw: bytes, age: float = 60.0) -> Path:
    path = directory / name
    path.write_bytes(raw)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_each_message_of_a_batch_is_stored_once_with_its_ack(org: Organization) -> None:
    result = hl7_batch_receive(actor=SYSTEM, raw=fixture("batch_fhs_bhs_231.hl7"), source="file:b1.hl7")
    assert result.codes == ("AA", "AE")
    stored = {m.control_id: m for m in InboundMessage.objects.all()}
    assert sorted(stored) == ["QB-1", "QB-2"]
    assert stored["QB-1"].ack_code == "AA" and stored["QB-2"].ack_code == "AE"
    assert bytes(stored["QB-1"].ack) in result.ack and bytes(stored["QB-2"].ack) in result.ack
    assert bytes(stored["QB-1"].raw).startswith(b"MSH|") and b"BHS" not in bytes(stored["QB-1"].raw)
    assert ack_fields(result.ack.decode())["BTS"][1] == "2"
    event = AuditEvent.objects.get(object_type="HL7Batch")
    assert event.detail["messages"] == 2 and event.detail["ack_codes"] == {"AA": 1, "AE": 1}


def test_a_resent_batch_is_answered_with_the_same_acks_and_stores_nothing_new(org: Organization) -> None:
    raw = batch_fixture("fhs_two_batches_crlf.hl7")
    first = hl7_batch_receive(actor=SYSTEM, raw=raw, source="file:a")
    again = hl7_batch_receive(actor=SYSTEM, raw=raw, source="file:a")
    assert InboundMessage.objects.count() == 3
    # the per-message ACKs are the stored ones; only the envelope (its time and control ids) is new
    inner = b"".join(bytes(m.ack) for m in InboundMessage.objects.order_by("pk"))
    assert inner in first.ack and inner in again.ack


def test_bytes_with_no_message_are_unreadable_and_store_nothing(org: Organization) -> None:
    for raw in (batch_fixture("empty_batch.hl7"), batch_fixture("not_hl7.txt"), b""):
        with pytest.raises(BatchUnreadable):
            hl7_batch_receive(actor=SYSTEM, raw=raw, source="file:x")
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("name", sorted(p.name for p in BATCHES.iterdir()))
def test_a_dropped_fixture_file_is_processed_or_failed_never_lost(org: Organization, tmp_path: Path,
                                                                  name: str) -> None:
    drop(tmp_path, name, batch_fixture(name))
    [outcome] = hl7_drop_process(directory=tmp_path)
    assert not (tmp_path / name).exists()
    if name in ("empty_batch.hl7", "not_hl7.txt"):
        assert outcome.result is None and (tmp_path / "failed" / name).read_bytes() == batch_fixture(name)
        assert (tmp_path / "failed" / f"{name}.reason").read_text().startswith("no MSH segment")
        assert not InboundMessage.objects.exists()
        return
    assert outcome.result is not None
    assert (tmp_path / "processed" / name).read_bytes() == batch_fixture(name)
    ack = (tmp_path / "processed" / f"{name}.ack").read_bytes()
    assert ack == outcome.result.ack and ack.startswith(b"FHS|") and ack.endswith(b"FTS|1\r")
    assert InboundMessage.objects.count() == len(outcome.result.codes)


def test_files_still_being_written_hidden_or_partial_are_left_alone(org: Organization, tmp_path: Path) -> None:
    raw = fixture("quest_231_cbc.hl7")
    drop(tmp_path, "fresh.hl7", raw, age=0)
    drop(tmp_path, ".hidden.hl7", raw)
    drop(tmp_path, "upload.hl7.part", raw)
    (tmp_path / "processed").mkdir()
    assert hl7_drop_process(directory=tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden.hl7", "fresh.hl7", "processed", "upload.hl7.part"]


def test_files_are_processed_oldest_first(org: Organization, tmp_path: Path) -> None:
    drop(tmp_path, "b.hl7", fixture("quest_231_cbc.hl7").replace(b"Q0000123456", b"SECOND"), age=30)
    drop(tmp_path, "a.hl7", fixture("quest_231_cbc.hl7").replace(b"Q0000123456", b"FIRST"), age=60)
    hl7_drop_process(directory=tmp_path)
    assert list(InboundMessage.objects.order_by("pk").values_list("control_id", flat=True)) == ["FIRST", "SECOND"]


def test_a_spent_time_budget_leaves_the_other_files_for_the_next_sweep(org: Organization, tmp_path: Path) -> None:
    drop(tmp_path, "a.hl7", fixture("quest_231_cbc.hl7"))
    assert hl7_drop_process(directory=tmp_path, budget=0) == []
    assert (tmp_path / "a.hl7").exists()


def test_the_same_file_name_dropped_twice_keeps_both_copies(org: Organization, tmp_path: Path) -> None:
    for _ in range(2):
        drop(tmp_path, "results.hl7", fixture("quest_231_cbc.hl7"))
        hl7_drop_process(directory=tmp_path)
    assert len([p for p in (tmp_path / "processed").iterdir() if not p.name.endswith(".ack")]) == 2
    assert InboundMessage.objects.count() == 1


def test_an_unreadable_file_goes_to_failed_with_its_reason(org: Organization, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    drop(tmp_path, "locked.hl7", fixture("quest_231_cbc.hl7"))

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    hl7_drop_process(directory=tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "failed" / "locked.hl7.reason").read_text() == "cannot read the file: Permission denied\n"
    assert (tmp_path / "failed" / "locked.hl7").exists()


def test_a_file_over_the_size_limit_goes_to_failed(org: Organization, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_module, "MAX_FILE_BYTES", 100)
    drop(tmp_path, "big.hl7", fixture("quest_231_cbc.hl7"))
    hl7_drop_process(directory=tmp_path)
    assert (tmp_path / "failed" / "big.hl7.reason").read_text().startswith("file too large")
    assert not InboundMessage.objects.exists()


def test_a_database_failure_leaves_the_file_for_the_next_sweep(org: Organization, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    drop(tmp_path, "r.hl7", fixture("quest_231_cbc.hl7"))

    def down(**kwargs: Any) -> bytes:
        raise DatabaseError("database is down")

    monkeypatch.setattr(batch_module, "hl7_receive", down)
    with pytest.raises(DatabaseError):
        hl7_drop_process(directory=tmp_path)
    assert (tmp_path / "r.hl7").exists() and not (tmp_path / "processed").exists()
    monkeypatch.undo()
    [outcome] = hl7_drop_process(directory=tmp_path)
    assert outcome.result is not None and outcome.result.codes == ("AA",)


def test_the_periodic_job_watches_the_configured_directory(org: Organization, tmp_path: Path) -> None:
    drop(tmp_path, "r.hl7", fixture("quest_231_cbc.hl7"))
    assert hl7_drop_sweep() == 0  # no directory configured
    with override_settings(CLINICDESK_HL7_DROP_DIR=str(tmp_path)):
        assert hl7_drop_sweep() == 1
    assert InboundMessage.objects.get().control_id == "Q0000123456"
    assert "clinicdesk.labs.batch.hl7_drop_sweep" in settings.CLINICDESK_PERIODIC_JOBS


def test_the_import_command_prints_the_batch_ack(org: Organization, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = drop(tmp_path, "b.hl7", fixture("batch_fhs_bhs_231.hl7"))
    call_command("hl7_import", str(path))
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("FHS|") and "MSA|AE|QB-2" in out and "2 messages (1 AA, 1 AE)" in err
    assert path.exists() and InboundMessage.objects.count() == 2


def test_the_import_command_can_move_files_like_the_drop_directory(org: Organization, tmp_path: Path) -> None:
    good = drop(tmp_path, "good.hl7", fixture("quest_231_cbc.hl7"))
    bad = drop(tmp_path, "bad.txt", b"hello")
    with pytest.raises(CommandError, match="1 file"):
        call_command("hl7_import", str(good), str(bad), "--move")
    assert (tmp_path / "processed" / "good.hl7.ack").exists() and (tmp_path / "failed" / "bad.txt.reason").exists()
