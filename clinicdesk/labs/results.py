"""Reads of a patient's filed lab results for the screens: recent orders, tests grouped by code with trends,
corrections with the history they replaced. Callers audit the read (see ``labs.views``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from clinicdesk.labs.models import LabObservation, LabOrder, LabReport, ObservationStatus
from clinicdesk.labs.trends import Point, Range, parse_range, sparkline
from clinicdesk.patients.models import Patient

REPORT_TYPES = ("ED", "RP")


def when(observation: LabObservation) -> datetime | None:
    """When the value was taken: the OBX time, else the order's collection or report time."""
    order = observation.order
    return observation.observed_at or order.observed_at or order.reported_at


def patient_orders(patient: Patient) -> QuerySet[LabOrder]:
    """The patient's filed orders, newest first, with their observations and reports."""
    return (LabOrder.objects.filter(organization_id=patient.organization_id, patient=patient)
            .select_related("ordering_practitioner")
            .prefetch_related(Prefetch("observations", queryset=LabObservation.objects.order_by("pk")),
                              Prefetch("reports", queryset=LabReport.objects.order_by("pk")))
            .order_by("-observed_at", "-pk"))


@dataclass
class OrderSummary:
    order: LabOrder
    results: int
    abnormal: int
    critical: int
    corrected: int
    reports: list[LabReport]


def summarize(order: LabOrder) -> OrderSummary:
    """Counts over the order's current results (superseded ones are history, not news)."""
    current = [o for o in order.observations.all() if o.superseded_by_id is None and o.value_type not in REPORT_TYPES]
    return OrderSummary(order=order, results=len(current), abnormal=sum(o.is_abnormal for o in current),
                        critical=sum(o.is_critical for o in current),
                        corrected=sum(o.status == ObservationStatus.CORRECTED for o in current),
                        reports=list(order.reports.all()))


@dataclass
class Shown:
    """One current value, and the earlier versions it superseded (newest first)."""

    observation: LabObservation
    taken: datetime | None
    history: list[LabObservation] = field(default_factory=list)


@dataclass
class TestGroup:
    """All current values of one test (same code system and code), newest first, with its trend."""

    code: str
    system: str
    name: str
    units: str
    reference_range: str
    rows: list[Shown]
    trend_svg: str = ""

    @property
    def latest(self) -> Shown:
        return self.rows[0]

    @property
    def anchor(self) -> str:
        return "test-" + "".join(c if c.isalnum() else "-" for c in f"{self.system}-{self.code}")


def test_groups(patient: Patient) -> list[TestGroup]:
    """The patient's results by test: the abnormal and most recent first."""
    observations = list(LabObservation.objects.filter(order__organization_id=patient.organization_id,
                                                      order__patient=patient)
                        .exclude(value_type__in=REPORT_TYPES).select_related("order").order_by("pk"))
    by_id = {o.pk: o for o in observations}
    replaced: dict[int, list[LabObservation]] = defaultdict(list)
    for o in observations:
        if o.superseded_by_id is not None and o.superseded_by_id in by_id:
            replaced[o.superseded_by_id].append(o)
    grouped: dict[tuple[str, str], list[Shown]] = defaultdict(list)
    for o in observations:
        if o.superseded_by_id is not None and o.superseded_by_id in by_id:
            continue  # shown as history of its correction
        grouped[(o.system, o.code or o.text)].append(Shown(o, when(o), _history(o.pk, replaced)))
    groups = [_group(key, rows) for key, rows in grouped.items()]
    groups.sort(key=lambda g: (not g.latest.observation.is_abnormal, -_stamp(g.latest.taken), g.name.lower()))
    return groups


def _history(pk: int, replaced: dict[int, list[LabObservation]]) -> list[LabObservation]:
    found: list[LabObservation] = []
    queue = list(replaced.get(pk, []))
    while queue and len(found) < 50:
        earlier = queue.pop(0)
        found.append(earlier)
        queue.extend(replaced.get(earlier.pk, []))
    return sorted(found, key=lambda o: -o.pk)


def _stamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


def _group(key: tuple[str, str], rows: list[Shown]) -> TestGroup:
    rows.sort(key=lambda r: (-_stamp(r.taken), -r.observation.pk))
    latest = rows[0].observation
    group = TestGroup(code=key[1], system=key[0], name=latest.text or latest.code, units=latest.units,
                      reference_range=latest.reference_range, rows=rows)
    group.trend_svg = _trend(group, parse_range(latest.reference_range))
    return group


def _trend(group: TestGroup, band: Range | None) -> str:
    points = [Point(_stamp(r.taken), float(r.observation.value_numeric), r.observation.is_abnormal)
              for r in reversed(group.rows) if r.observation.value_numeric is not None and r.taken is not None
              and r.observation.units == group.units]
    return sparkline(points, band, label=f"{group.name}: {len(points)} values over time")
