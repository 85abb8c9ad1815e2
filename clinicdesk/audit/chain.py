"""The hash chain, as pure functions over plain dicts (no database)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "chain", "seq", "at", "organization_id", "user_id", "username", "role", "action",
    "object_type", "object_id", "patient_id", "ip", "via", "outcome", "detail",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    body = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(events: Iterable[Mapping[str, Any]], head_seq: int, head_hash: str) -> list[Break]:
    """Walk one chain in seq order; return every place where it does not hold."""
    breaks: list[Break] = []
    prev_hash, expected_seq = GENESIS, 1
    for event in events:
        seq = int(event["seq"])
        if seq > expected_seq:
            breaks.append(Break(seq, f"events {expected_seq}–{seq - 1} are missing"))
        elif seq < expected_seq:
            breaks.append(Break(seq, f"event {seq} is repeated or out of order (expected {expected_seq})"))
        if event["prev_hash"] != prev_hash:
            breaks.append(Break(seq, "does not follow the previous event (inserted, removed or altered)"))
        if event_hash(event["prev_hash"], event) != event["hash"]:
            breaks.append(Break(seq, "content was altered after it was written"))
        prev_hash, expected_seq = event["hash"], seq + 1
    if expected_seq - 1 != head_seq:
        breaks.append(Break(head_seq, f"chain ends at {expected_seq - 1} but {head_seq} events were written"))
    elif prev_hash != head_hash:
        breaks.append(Break(head_seq, "last event does not match the recorded chain head"))
    return breaks
