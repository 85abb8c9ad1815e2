"""The audit hash chain over plain dicts (clinicdesk.audit.chain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from clinicdesk.audit.chain import GENESIS, HASHED_FIELDS, event_hash, verify

START = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


def build_chain(n: int, chain: str = "org:1") -> list[dict[str, Any]]:
    """n well-formed events, as ``audit_record_many`` would write them."""
    events: list[dict[str, Any]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields: dict[str, Any] = {
            "chain": chain, "seq": seq, "at": START + timedelta(seconds=seq), "organization_id": 1,
            "user_id": 10 + seq % 3, "username": f"frontdesk{seq % 3}", "role": "frontdesk", "action": "view",
            "object_type": "Patient", "object_id": str(100 + seq), "patient_id": 100 + seq, "ip": "127.0.0.1",
            "via": "web", "outcome": "success", "detail": {"purpose": "chart", "n": seq},
        }
        digest = event_hash(prev, fields)
        events.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    return events


def head(events: list[dict[str, Any]]) -> tuple[int, str]:
    return (events[-1]["seq"], events[-1]["hash"]) if events else (0, GENESIS)


def test_an_intact_chain_has_no_breaks() -> None:
    events = build_chain(5)
    assert verify(events, *head(events)) == []


def test_an_empty_chain_with_an_empty_head_is_intact() -> None:
    assert verify([], 0, GENESIS) == []


def test_the_first_event_follows_the_genesis_hash() -> None:
    assert build_chain(1)[0]["prev_hash"] == GENESIS == "0" * 64


def test_every_hashed_field_changes_the_hash() -> None:
    base = build_chain(1)[0]
    for name in HASHED_FIELDS:
        altered = {**base, name: "tampered" if base[name] != "tampered" else "other"}
        assert event_hash(GENESIS, altered) != base["hash"], name


def test_the_hash_does_not_depend_on_key_order_or_the_timezone_of_the_timestamp() -> None:
    event = build_chain(1)[0]
    reordered = dict(reversed(list(event.items())))
    reordered["detail"] = dict(reversed(list(event["detail"].items())))
    reordered["at"] = event["at"].astimezone(timezone(timedelta(hours=-5)))
    assert event_hash(GENESIS, reordered) == event["hash"]


def test_fields_outside_the_hash_do_not_change_it() -> None:
    event = build_chain(1)[0]
    assert event_hash(GENESIS, {**event, "id": 99, "something_else": "x"}) == event["hash"]


def test_an_altered_field_is_reported_at_its_event() -> None:
    events = build_chain(5)
    events[2]["username"] = "someone_else"
    breaks = verify(events, *head(events))
    assert [(b.seq, b.reason) for b in breaks] == [(3, "content was altered after it was written")]


def test_an_altered_detail_is_reported() -> None:
    events = build_chain(3)
    events[0]["detail"] = {**events[0]["detail"], "purpose": "curiosity"}
    assert [b.seq for b in verify(events, *head(events))] == [1]


def test_altering_a_field_and_rehashing_that_event_breaks_the_link_to_the_next() -> None:
    events = build_chain(4)
    events[1]["action"] = "export"
    events[1]["hash"] = event_hash(events[1]["prev_hash"], events[1])
    breaks = verify(events, *head(events))
    assert [b.seq for b in breaks] == [3]
    assert "does not follow the previous event" in breaks[0].reason


def test_rewriting_the_rest_of_the_chain_is_still_caught_by_the_recorded_head() -> None:
    events = build_chain(4)
    recorded = head(events)
    events[1]["action"] = "export"
    prev = events[0]["hash"]
    for event in events[1:]:
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(prev, event)
    breaks = verify(events, *recorded)
    assert [(b.seq, b.reason) for b in breaks] == [(4, "last event does not match the recorded chain head")]


def test_a_removed_middle_event_is_reported_as_missing() -> None:
    events = build_chain(5)
    recorded = head(events)
    del events[2]
    breaks = verify(events, *recorded)
    assert breaks[0].seq == 4
    assert breaks[0].reason == "events 3–3 are missing"
    assert any("does not follow" in b.reason for b in breaks)


def test_a_removed_first_event_is_reported() -> None:
    events = build_chain(3)
    recorded = head(events)
    del events[0]
    assert [b.seq for b in verify(events, *recorded)][:1] == [2]


def test_a_removed_last_event_is_caught_by_the_head() -> None:
    events = build_chain(5)
    recorded = head(events)
    events.pop()
    breaks = verify(events, *recorded)
    assert [(b.seq, b.reason) for b in breaks] == [(5, "chain ends at 4 but 5 events were written")]


def test_removing_every_event_is_caught_by_the_head() -> None:
    events = build_chain(2)
    assert [b.seq for b in verify([], *head(events))] == [2]


def test_an_inserted_event_is_reported() -> None:
    events = build_chain(4)
    recorded = head(events)
    forged_fields = {**events[1], "seq": 3, "object_id": "999", "patient_id": 999}
    forged = {**forged_fields, "prev_hash": events[1]["hash"], "hash": event_hash(events[1]["hash"], forged_fields)}
    for event in events[2:]:
        event["seq"] += 1
    events.insert(2, forged)
    breaks = verify(events, *recorded)
    assert breaks
    # The forged event links correctly; the real one after it no longer does.
    assert 4 in {b.seq for b in breaks}
    assert any(b.reason.startswith("chain ends at 5 but 4") for b in breaks)


def test_two_events_swapped_are_reported() -> None:
    events = build_chain(4)
    events[1], events[2] = events[2], events[1]
    assert verify(events, *head(events))


def test_a_chain_that_has_grown_past_its_recorded_head_is_reported() -> None:
    events = build_chain(3)
    breaks = verify(events, 2, events[1]["hash"])
    assert [b.seq for b in breaks] == [2]


def test_an_inserted_event_reusing_a_sequence_number_is_reported_as_repeated() -> None:
    events = build_chain(3)
    recorded = head(events)
    forged_fields = {**events[1], "object_id": "999"}
    forged = {**forged_fields, "prev_hash": events[1]["hash"], "hash": event_hash(events[1]["hash"], forged_fields)}
    events.insert(2, forged)
    breaks = verify(events, *recorded)
    assert (2, "event 2 is repeated or out of order (expected 3)") in {(b.seq, b.reason) for b in breaks}
    assert not any("missing" in b.reason for b in breaks)
