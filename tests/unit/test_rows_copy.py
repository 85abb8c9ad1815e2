"""lib.rows.insert of several instances: on PostgreSQL a COPY (the keys drawn from the sequence first), on SQLite
multi-row INSERTs; either way the rows read back equal to what was inserted, value for value."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext

from clinicdesk.labs.models import InboundMessage, InboundStatus, LabObservation, LabOrder, MatchStatus, ResultMatch
from clinicdesk.lib import rows
from clinicdesk.practice.models import Organization

pytestmark = pytest.mark.django_db
POSTGRES = "postgresql"
MANY = 20  # enough rows for the COPY on PostgreSQL
CHICAGO = ZoneInfo("America/Chicago")
AWKWARD = ["tab\there", "new\nline", "cr\rlf\r\n", "back\\slash", "\\N", "quote'\"", "caf\u00e9 \u2014 \u6f22",
           "", "a,b;c|d^e~f&g"]


def _text(n: int) -> str:
    return AWKWARD[n % len(AWKWARD)]


def _messages(org: Organization, prefix: str, count: int = MANY) -> list[InboundMessage]:
    return [InboundMessage(
        organization=org if n % 3 else None, sending_application=f"LAB\t{n}", sending_facility=_text(n),
        control_id=f"{prefix}{n}", message_type="ORU^R01", version="2.5.1",
        raw=b"MSH|^~\\&|\x00\t\n\r\\N\xff\xfe" + bytes([n]), peer=f"10.0.0.{n}:2575",
        received_at=datetime(2026, 3, 8, 1, 59, 59, n, tzinfo=CHICAGO) if n % 2 else datetime(2026, 3, 8, 8, n,
                                                                                               tzinfo=UTC),
        ack_code="AA" if n % 4 else "AE", ack_text=_text(n + 1), ack=b"MSA|AA|\\x\\\t" + bytes([255 - n]),
        status=InboundStatus.RECEIVED if n % 2 else "processed") for n in range(count)]


def _matches(org: Organization, inbound: list[InboundMessage]) -> list[ResultMatch]:
    return [ResultMatch(
        organization=org, inbound=message, group=n % 3, candidate=None,
        score=[Decimal("0.955"), Decimal("1"), Decimal("0.000"), Decimal("-0.5")][n % 4],
        reasons=[_text(n), "same MRN", None, n, 1.5, True] if n % 2 else [],
        identity={"family": _text(n), "given": "\\\\", "nested": {"list": [_text(n + 2), None]}, "n": n,
                  "birth_date": None},
        status=MatchStatus.NEEDS_REVIEW if n % 2 else MatchStatus.MATCHED,
        created_at=datetime(2026, 11, 1, 1, 30, n, tzinfo=CHICAGO), decided_at=None)
        for n, message in enumerate(inbound)]


def _observations(order: LabOrder, count: int = MANY) -> list[LabObservation]:
    values = [Decimal("105.25"), None, Decimal("-0.00000001"), Decimal("123456.12345678"), Decimal("0")]
    return [LabObservation(
        order=order, set_id=str(n), sub_id=_text(n)[:20], code=f"2345-{n}", text=_text(n + 3), system="LN",
        value_type="NM", value_text=_text(n) * 3, value_numeric=values[n % len(values)], units="mg/dL",
        abnormal_flags="H~HH" if n % 2 else "", status="F",
        observed_at=None if n % 3 == 0 else datetime(2025, 3, 14, 9, 0, n, 123456, tzinfo=CHICAGO),
        notes=_text(n + 4)) for n in range(count)]


def _comparable(obj: models.Model, field: models.Field[Any, Any]) -> Any:
    value = getattr(obj, field.attname)
    if isinstance(value, datetime):  # the instant (Python never finds a time in a DST fold equal across zones)
        return value.astimezone(UTC)
    return bytes(value) if isinstance(value, memoryview) else value


def _same_as_stored(inserted: list[Any], stored: list[Any], skip: tuple[str, ...] = ()) -> None:
    assert len(inserted) == len(stored)
    for mine, theirs in zip(inserted, stored, strict=True):
        for field in type(mine)._meta.concrete_fields:
            if field.attname in skip:
                continue
            expected, got = _comparable(mine, field), _comparable(theirs, field)
            assert got == expected, (field.name, expected, got)
            if isinstance(expected, Decimal) and expected:
                assert got.normalize() == expected.normalize()


def _inserts(captured: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"')]


def _drawn_keys(captured: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "nextval" in q["sql"] and table in q["sql"]]


@pytest.fixture
def org(db: Any) -> Organization:
    return Organization.objects.create(name="Lakeside Family Practice", timezone="America/Chicago")


def test_many_rows_get_ascending_keys_and_read_back_equal(org: Organization) -> None:
    messages = _messages(org, "K")
    with CaptureQueriesContext(connection) as captured:
        rows.insert(messages)
    keys = [m.pk for m in messages]
    assert all(isinstance(k, int) for k in keys) and keys == sorted(keys) and len(set(keys)) == MANY
    assert all(not m._state.adding and m._state.db == connection.alias for m in messages)
    if connection.vendor == POSTGRES:  # keys drawn in one query, the rows in a COPY: no INSERT statement
        assert len(_drawn_keys(captured, "labs_inboundmessage")) == 1
        assert _inserts(captured, "labs_inboundmessage") == []
    else:
        assert len(_inserts(captured, "labs_inboundmessage")) == 1  # one multi-row INSERT ... RETURNING
    _same_as_stored(messages, list(InboundMessage.objects.filter(pk__in=keys).order_by("pk")))


def test_json_decimals_and_foreign_keys_read_back_equal(org: Organization) -> None:
    messages = _messages(org, "J")
    rows.insert(messages)
    matches = _matches(org, messages)
    with CaptureQueriesContext(connection) as captured:
        rows.insert(matches)
    if connection.vendor == POSTGRES:
        assert len(_drawn_keys(captured, "labs_resultmatch")) == 1 and _inserts(captured, "labs_resultmatch") == []
    keys = [m.pk for m in matches]
    assert keys == sorted(keys)
    _same_as_stored(matches, list(ResultMatch.objects.filter(pk__in=keys).order_by("pk")))
    stored = ResultMatch.objects.get(pk=matches[1].pk)
    assert stored.reasons == [_text(1), "same MRN", None, 1, 1.5, True]
    assert stored.identity["nested"] == {"list": [_text(3), None]} and stored.identity["birth_date"] is None
    assert stored.inbound.control_id == "J1"  # the foreign key to the message inserted before


def test_without_returning_the_rows_still_read_back_equal(org: Organization) -> None:
    (message,) = _messages(org, "N", 1)
    rows.insert([message])
    (match,) = _matches(org, [message])
    rows.insert([match])
    order = LabOrder(organization=org, inbound=message, match=match, filler_number="F1", service_text="CMP",
                     observed_at=datetime(2025, 3, 14, 9, tzinfo=CHICAGO))
    rows.insert([order])
    observations = _observations(order)
    with CaptureQueriesContext(connection) as captured:
        rows.insert(observations, returning_pk=False)
    assert all(not o._state.adding for o in observations)
    if connection.vendor == POSTGRES:  # a COPY alone: no key drawn, no INSERT
        assert _drawn_keys(captured, "labs_labobservation") == []
        assert _inserts(captured, "labs_labobservation") == []
    stored = list(LabObservation.objects.filter(order=order))
    stored.sort(key=lambda o: int(o.set_id))
    assert len({o.pk for o in stored}) == MANY  # the column's default gave each its key
    _same_as_stored(observations, stored, skip=("id",))
    assert [o.value_numeric for o in stored[:5]] == [Decimal("105.25"), None, Decimal("-0.00000001"),
                                                    Decimal("123456.12345678"), Decimal("0")]


@pytest.mark.parametrize("returning_pk", [True, False])
def test_a_few_rows_read_back_equal_too(org: Organization, returning_pk: bool) -> None:
    messages = _messages(org, f"F{returning_pk}", 3)
    rows.insert(messages, returning_pk=returning_pk)
    stored = list(InboundMessage.objects.filter(control_id__startswith=f"F{returning_pk}").order_by("pk"))
    if returning_pk:
        assert [m.pk for m in messages] == [m.pk for m in stored]
    _same_as_stored(messages, stored, skip=("id",))


def test_keys_drawn_for_one_insert_are_not_reused_by_the_next(org: Organization) -> None:
    first, second = _messages(org, "A"), _messages(org, "B")
    rows.insert(first)
    InboundMessage.objects.create(control_id="between", raw=b"x", ack=b"y", ack_code="AA", status="received")
    rows.insert(second)
    keys = [m.pk for m in first + second]
    assert keys == sorted(keys) and len(set(keys)) == 2 * MANY
    assert InboundMessage.objects.get(control_id="between").pk not in keys
    assert InboundMessage.objects.count() == 2 * MANY + 1


def test_a_constraint_broken_by_one_row_fails_the_insert_with_djangos_integrity_error(org: Organization) -> None:
    messages = _messages(org, "U")
    messages[-1].control_id = messages[1].control_id  # the same sender, facility and MSH-10 as row 1
    messages[-1].sending_application, messages[-1].sending_facility = "LAB\t1", _text(1)
    messages[-1].organization = messages[1].organization
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(messages)
    assert not InboundMessage.objects.filter(control_id__startswith="U").exists()
