"""lib.rows.values: the values a booking's INSERT sends are exactly what save() would send."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection

from clinicdesk.lib import rows
from clinicdesk.scheduling.models import Appointment, AppointmentChange, Reservation, Status
from tests.scheduling.conftest import Clinic, local

pytestmark = pytest.mark.django_db


def _prepared(obj: Any, fields: list[Any]) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def test_plain_values_go_as_they_are_and_the_rest_is_prepared_as_save_would(clinic: Clinic, patient: Any,
                                                                            monday: date) -> None:
    appointment = Appointment(organization_id=clinic.org.pk, patient=patient, practitioner=clinic.practitioner,
                              location=clinic.location, appointment_type=clinic.follow_up, start=local(monday, 9),
                              end=local(monday, 9, 20), status=Status.BOOKED, reason="check-up")
    fields, _ = rows.statement(Appointment, returning=True)
    assert rows.values(appointment, fields) == _prepared(appointment, fields)
    reservation = Reservation(organization_id=clinic.org.pk, appointment_id=1, resource_id=clinic.resource.pk,
                              start=local(monday, 9), end=local(monday, 9, 25))
    fields, _ = rows.statement(Reservation, returning=False)
    assert rows.values(reservation, fields) == _prepared(reservation, fields)


def test_a_value_of_another_type_takes_the_fields_own_preparation(clinic: Clinic, monday: date) -> None:
    change = AppointmentChange(appointment_id=1, via="web", to_status=Status.CONFIRMED)
    fields, _ = rows.statement(AppointmentChange, returning=False)
    values = dict(zip([f.name for f in fields], rows.values(change, fields), strict=True))
    assert values["to_status"] == "confirmed"  # a str subclass: prepared by the field, as save() does
    assert values == dict(zip([f.name for f in fields], _prepared(change, fields), strict=True))


def test_lab_rows_and_inbox_items_are_prepared_as_save_would(org: Any) -> None:
    """Decimals, nullable and aware datetimes, text-choices members and None (the labs' filing rows)."""
    from decimal import Decimal

    from clinicdesk.inbox.models import InboxItem, Kind, Priority
    from clinicdesk.labs.models import LabObservation, MatchStatus, ObservationStatus, ResultMatch

    when = local(date(2026, 3, 8), 1, 30)  # the night clocks change in Chicago
    for obj in (
        LabObservation(order_id=1, set_id="1", code="2345-7", value_numeric=Decimal("105.25"), observed_at=when,
                       status=ObservationStatus.FINAL),
        LabObservation(order_id=1, set_id="2", code="x", value_numeric=None, observed_at=None, status="F"),
        ResultMatch(organization_id=org.pk, inbound_id=1, group=0, score=Decimal("0.95"), reasons=["same MRN"],
                    status=MatchStatus.MATCHED, identity={"family": "X"}),
        InboxItem(organization_id=org.pk, kind=Kind.LAB_RESULT, category="results", title="t",
                  priority=Priority.URGENT, due_at=None, routing_reasons=[], escalate_at=when, created_at=when),
    ):
        fields, _ = rows.statement(type(obj), returning=True)
        def plain(values: list[Any]) -> list[Any]:  # psycopg's JSON wrapper compares by identity
            return [getattr(v, "obj", v) for v in values]

        assert plain(rows.values(obj, fields)) == plain(_prepared(obj, fields)), type(obj).__name__
