"""Filing the PID groups of received result messages: match each against our patients, then write the matches,
orders and observations — for a whole group of messages at once, one query for the candidates and one INSERT
per table. ``plan_results`` works out the rows (reads only), ``write_results`` writes them: the filer does the first
before its transaction. ``filing.hl7_file_claimed`` (the listener's group commit, the filer, ``hl7_file``) comes
through here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Q

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry
from clinicdesk.inbox import routingcache
from clinicdesk.labs.matching import Assessment, Candidate, Identity, assess, mrns_in
from clinicdesk.labs.models import (
    InboundMessage,
    LabObservation,
    LabOrder,
    LabReport,
    MatchStatus,
    ObservationStatus,
    ResultMatch,
)
from clinicdesk.lib import rows
from clinicdesk.lib.names import fold
from clinicdesk.patients.models import Patient, Status
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2.datatypes import Coded, Provider, StructuredNumeric, Timestamp
from clinicdesk.protocols.hl7v2.observation import Encapsulated, Observation, Value
from clinicdesk.protocols.hl7v2.oru import Order, ResultMessage
from clinicdesk.protocols.hl7v2.oru import PatientResult as PIDGroup
from clinicdesk.protocols.hl7v2.patient import Patient as PID
from clinicdesk.staff.models import Practitioner

FiledOrder = tuple[LabOrder, list[LabObservation]]
Filed = tuple[ResultMatch, list[FiledOrder]]
_NUMERIC_LIMIT = Decimal(10) ** 15  # value_numeric holds 16 integer digits
_CANDIDATES_EACH = 500  # candidates scored per result at most


def identity_of(pid: PID) -> Identity:
    return Identity(identifiers=tuple((i.value, i.type_code) for i in pid.identifiers), family=pid.name.family,
                    given=pid.name.given, birth_date=pid.birth_date, sex=pid.sex)


_CANDIDATES = ("SELECT id, mrn, family_name, given_name, birth_date, sex, primary_practitioner_id "
               "FROM patients_patient WHERE organization_id = %s AND status <> %s AND ({}) ORDER BY id LIMIT {}")


def candidates_for(organization: Organization, identity: Identity,
                   primaries: dict[int, int | None] | None = None) -> list[Candidate]:
    """Our patients worth scoring: those holding an MRN the lab sent, and those born that day (at most 500).

    ``primaries``: filled with each candidate's primary practitioner id, when given."""
    return candidates_many(organization, [identity], primaries)[0]


def candidates_many(organization: Organization, identities: list[Identity],
                    primaries: dict[int, int | None] | None = None) -> list[list[Candidate]]:
    """``candidates_for`` of each identity, read with one query for all (a listener's group of messages); if
    that query brings more rows than the identities may use, each is read on its own."""
    wanted = [(set(mrns_in(identity, organization.mrn_prefix)), identity.birth_date) for identity in identities]
    mrns = sorted(set().union(*(m for m, _ in wanted)))
    born = sorted({b for _, b in wanted if b})
    if len(identities) > 1 and not (mrns or born):
        return [[] for _ in identities]
    limit = _CANDIDATES_EACH * len(identities)
    found = _read_candidates(organization, mrns, born, limit + (len(identities) > 1))
    if len(found) > limit:  # many alike: the per-identity limit decides which are scored, as for one
        return [candidates_many(organization, [identity], primaries)[0] for identity in identities]
    if primaries is not None:
        primaries.update((row[0], row[6]) for row in found)
    return [[Candidate(*row[:6]) for row in found if row[1] in mrn_set or (day is not None and row[4] == day)]
            [:_CANDIDATES_EACH] for mrn_set, day in wanted]


def _read_candidates(organization: Organization, mrns: list[str], born: list[date],
                     limit: int) -> list[tuple[Any, ...]]:
    # Plain SQL: it runs for every result filed, and building the ORM query cost more than running it.
    conditions: list[str] = []
    params: list[Any] = [organization.pk, Status.MERGED]
    if mrns:
        conditions.append(f"mrn IN ({', '.join(['%s'] * len(mrns))})")
        params += mrns
    if born:
        conditions.append(f"birth_date IN ({', '.join(['%s'] * len(born))})")
        params += [connection.ops.adapt_datefield_value(day) for day in born]
    if not conditions:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES.format(" OR ".join(conditions), int(limit)), params)
        return [(pk, mrn, family, given, date.fromisoformat(day) if isinstance(day, str) else day, sex, primary)
                for pk, mrn, family, given, day, sex, primary in cursor.fetchall()]


@dataclass
class Plan:
    """A group of result messages matched and turned into rows, nothing written yet (``plan_results``): what
    can be done before the transaction, so that on SQLite the writer lock is held for the writes alone. The rows
    have no keys yet; ``write_results`` inserts them and fills in the keys they point at."""

    organization: Organization
    messages: list[tuple[InboundMessage, ResultMessage]]
    groups: list[tuple[InboundMessage, int, PIDGroup]]
    matches: list[ResultMatch]
    orders: list[tuple[int, Order, LabOrder]]  # (index of its group, the OBR, its row)
    observations: list[list[LabObservation]]  # per order
    values: dict[type, list[list[Any]]] = field(default_factory=dict)  # per model, the rows' values


def plan_results(organization: Organization, messages: list[tuple[InboundMessage, ResultMessage]]) -> Plan:
    """Match every PID group of ``messages`` against our patients (one query for all) and build its rows."""
    groups = [(inbound, number, result) for inbound, parsed in messages
              for number, result in enumerate(parsed.results)]
    identities = [identity_of(result.patient) for _, _, result in groups]
    primaries: dict[int, int | None] = {}
    found = candidates_many(organization, identities, primaries)
    matches = [_match(organization, inbound, number, identity, result.notes,
                      assess(identity, candidates, mrn_prefix=organization.mrn_prefix))
               for (inbound, number, result), identity, candidates in zip(groups, identities, found, strict=True)]
    zone = organization.tz
    orders: list[tuple[int, Order, LabOrder]] = []
    for index, ((inbound, _, result), match) in enumerate(zip(groups, matches, strict=True)):
        if match.candidate_id is not None:  # the patient, not read again: the rest of its fields load if used
            match.candidate = Patient.from_db(connection.alias, ["id", "organization_id", "primary_practitioner_id"],
                                              [match.candidate_id, organization.pk, primaries.get(match.candidate_id)])
        patient_id = match.candidate_id if match.status == MatchStatus.MATCHED else None
        orders += [(index, order, _order_row(organization, inbound, match, patient_id, order, zone))
                   for order in result.orders]
    observations = [[_observation_row(row, obs, zone) for obs in order.observations] for _, order, row in orders]
    plan = Plan(organization, messages, groups, matches, orders, observations)
    for model, instances in ((ResultMatch, matches), (LabOrder, [row for _, _, row in orders]),
                             (LabObservation, [o for filed in observations for o in filed])):
        plan.values[model] = rows.prepare(instances)
    return plan


def write_results(plan: Plan, events: list[Entry]) -> list[list[Filed]]:
    """Write a plan's matches, orders and observations (claimed by the caller, in its transaction), each row's
    keys filled in as the rows it points at get theirs; per message its matches with their orders and
    observations. The ResultMatch events are appended to ``events``."""
    groups, matches, orders, observations = plan.groups, plan.matches, plan.orders, plan.observations
    rows.insert(matches, prepared=plan.values[ResultMatch])
    order_rows = [row for _, _, row in orders]
    for (index, _, row), values in zip(orders, plan.values[LabOrder], strict=True):
        row.match_id = matches[index].pk
        rows.set_value(values, LabOrder, "match_id", row.match_id)
    rows.insert(order_rows, prepared=plan.values[LabOrder])
    flat = [o for filed in observations for o in filed]
    for (_, _, row), filed in zip(orders, observations, strict=True):
        for observation in filed:
            observation.order_id = row.pk
    for observation, values in zip(flat, plan.values[LabObservation], strict=True):
        rows.set_value(values, LabObservation, "order_id", observation.order_id)
    # Their ids are needed only to point a report or a correction at them; else no RETURNING (one statement).
    needs_ids = any(o.status == ObservationStatus.CORRECTED for o in flat) or any(
        isinstance(v, Encapsulated) for _, order, _ in orders for obs in order.observations for v in obs.values)
    rows.insert(flat, returning_pk=needs_ids, prepared=plan.values[LabObservation])
    by_group: list[list[FiledOrder]] = [[] for _ in groups]
    for (index, order, row), filed in zip(orders, observations, strict=True):
        _reports_and_corrections(order, row, filed)
        by_group[index].append((row, filed))
    superseded_late([(row, filed) for (_, _, row), filed in zip(orders, observations, strict=True)])
    per_message: dict[int, list[Filed]] = {}
    for (inbound, _, _), match, filed_orders in zip(groups, matches, by_group, strict=True):
        critical = sum(o.is_critical for _, filed in filed_orders for o in filed)
        events.append(Entry(action=Action.CREATE, object_type="ResultMatch", object_id=str(match.pk),
                            patient_id=match.candidate_id if match.status == MatchStatus.MATCHED else None,
                            detail={"inbound": inbound.pk, "status": match.status, "score": str(match.score),
                                    "orders": [o.pk for o, _ in filed_orders], "critical": critical}))
        per_message.setdefault(id(inbound), []).append((match, filed_orders))
    return [per_message.get(id(inbound), []) for inbound, _ in plan.messages]


def _match(organization: Organization, inbound: InboundMessage, group: int, identity: Identity,
           notes: tuple[str, ...], assessment: Assessment) -> ResultMatch:
    return rows.build(  # keys as ids: assigning related objects costs a descriptor each, per row
        ResultMatch, organization_id=organization.pk, inbound_id=inbound.pk, group=group,
        candidate_id=assessment.candidate_id,
        score=Decimal(str(assessment.score)), reasons=list(assessment.reasons),
        status=MatchStatus.MATCHED if assessment.confident else MatchStatus.NEEDS_REVIEW,
        identity={"identifiers": [list(i) for i in identity.identifiers], "family": identity.family,
                  "given": identity.given, "sex": identity.sex,
                  "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
                  "notes": list(notes)})


def _order_row(organization: Organization, inbound: InboundMessage, match: ResultMatch, patient_id: int | None,
               order: Order, zone: ZoneInfo) -> LabOrder:
    provider = order.ordering_provider
    return rows.build(
        LabOrder, organization_id=organization.pk, patient_id=patient_id, inbound_id=inbound.pk, match_id=match.pk,
        set_id=order.set_id[:10],
        placer_number=order.placer_number[:100], filler_number=order.filler_number[:100],
        service_code=order.service.code[:100], service_text=order.service.text[:255],
        service_system=order.service.system[:50], ordering_practitioner_id=_practitioner(organization, provider),
        ordering_provider_text=_provider_text(provider)[:255], observed_at=_when(order.observed_at, zone),
        reported_at=_when(order.reported_at, zone), status=order.result_status[:1], notes="\n".join(order.notes))


def _observation_row(row: LabOrder, obs: Observation, zone: ZoneInfo) -> LabObservation:
    return rows.build(
        LabObservation, order_id=row.pk, set_id=obs.set_id[:10], sub_id=obs.sub_id[:20], code=obs.code.code[:100],
        text=obs.code.text[:255], system=obs.code.system[:50], value_type=obs.value_type[:3],
        value_text=_text(obs), value_numeric=_numeric(obs), units=_units(obs.units)[:60],
        reference_range=obs.reference_range[:100], abnormal_flags="~".join(obs.abnormal_flags)[:50],
        status=obs.status, observed_at=_when(obs.observed_at, zone), notes="\n".join(obs.notes))


def _reports_and_corrections(order: Order, row: LabOrder, observations: list[LabObservation]) -> None:
    for obs, observation in zip(order.observations, observations, strict=True):
        for number, value in enumerate(v for v in obs.values if isinstance(v, Encapsulated)):
            _store_report(row, observation if number == 0 else None, value)
    if row.patient_id is not None:
        supersede(row, [o for o in observations if o.status == ObservationStatus.CORRECTED])


def supersede(order: LabOrder, corrections: list[LabObservation] | None = None) -> None:
    """Corrected results of ``order`` supersede the patient's earlier results for the same order and code.

    ``corrections``: its corrected observations when the caller has them (else they are read)."""
    key = Q(filler_number=order.filler_number) if order.filler_number else Q(placer_number=order.placer_number)
    if not (order.filler_number or order.placer_number) or order.patient_id is None:
        return
    if corrections is None:
        corrections = list(order.observations.filter(status=ObservationStatus.CORRECTED))
    if not corrections:
        return
    earlier_orders = LabOrder.objects.filter(key, organization_id=order.organization_id,
                                             patient_id=order.patient_id, pk__lt=order.pk)
    for corrected in corrections:
        (LabObservation.objects.filter(order__in=earlier_orders, code=corrected.code, system=corrected.system,
                                       sub_id=corrected.sub_id, superseded_by__isnull=True)
         .update(superseded_by=corrected))


def superseded_late(filed: list[FiledOrder]) -> None:
    """Results filed after the correction that replaces them are superseded by it at once.

    ``supersede`` points a correction at the results filed before it; but the original can be filed second:
    sent after the correction, or held back (a failed group retried by the sweep, a batch filed before the
    listener's queue). So each result just filed that is not itself a correction is looked up against the
    corrections already filed for the same patient, order (as ``supersede`` keys it) and code; the latest
    current one supersedes it. One query for all of ``filed`` (a group of messages)."""
    pending = [(row, o) for row, observations in filed if row.patient_id is not None
               and (row.filler_number or row.placer_number)
               for o in observations if o.status != ObservationStatus.CORRECTED and o.superseded_by_id is None]
    if not pending:
        return
    # First the other orders of these patients with these order numbers (the filler number's index; a placer
    # number only where an order has no filler number, as ``supersede`` keys them): usually none, and then
    # nothing more is read. Then their current corrections, by order.
    organization_id, new = pending[0][0].organization_id, {row.pk for row, _ in pending}
    patients = {row.patient_id for row, _ in pending}
    fillers = {row.filler_number for row, _ in pending if row.filler_number}
    placers = {row.placer_number for row, _ in pending if row.placer_number}
    # By the order numbers alone, so that each is looked up in its own index (with the patient in the query the
    # planner may walk all of a patient's orders); the organization and patients are checked here.
    rows = list(LabOrder.objects.filter(filler_number__in=fillers).values_list(
        "pk", "organization_id", "patient_id", "filler_number", "placer_number"))
    if placers:
        rows += LabOrder.objects.filter(filler_number="", placer_number__in=placers).values_list(
            "pk", "organization_id", "patient_id", "filler_number", "placer_number")
    others = {pk: (patient_id, filler, placer) for pk, org_id, patient_id, filler, placer in rows
              if org_id == organization_id and patient_id in patients and pk not in new}
    if not others:
        return
    found = [(pk, order_id, *others[order_id], code, system, sub_id) for pk, order_id, code, system, sub_id in
             LabObservation.objects.filter(order_id__in=others, status=ObservationStatus.CORRECTED,
                                           superseded_by__isnull=True)
             .values_list("pk", "order_id", "code", "system", "sub_id")]
    latest: dict[tuple[Any, ...], tuple[int, int]] = {}  # (patient, order key, code, system, sub id): (pk, order)
    for pk, order_id, patient_id, filler, placer, code, system, sub_id in found:
        found_key = (patient_id, "F", filler) if filler else (patient_id, "P", placer)
        if pk > latest.get((*found_key, code, system, sub_id), (0, 0))[0]:
            latest[(*found_key, code, system, sub_id)] = (pk, order_id)
    for row, o in pending:
        for key in ((row.patient_id, "F", row.filler_number), (row.patient_id, "P", row.placer_number)):
            correction = latest.get((*key, o.code, o.system, o.sub_id))
            if correction is not None and correction[1] != row.pk:  # (its ids may not have been read back)
                o.superseded_by_id = correction[0]
                LabObservation.objects.filter(order_id=row.pk, code=o.code, system=o.system, sub_id=o.sub_id,
                                              superseded_by__isnull=True).update(superseded_by_id=correction[0])
                break


def _store_report(order: LabOrder, observation: LabObservation | None, value: Encapsulated) -> LabReport:
    extension = value.subtype.lower() if value.subtype.isalnum() else "bin"
    filename = f"{order.filler_number or order.placer_number or 'report'}.{extension}"
    report = LabReport(order=order, observation=observation, mime_type=value.mime_type[:100],
                       filename=filename[:255], size=len(value.data))
    report.content.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(value.data), save=False)
    report.save()
    return report


def _practitioner(organization: Organization, provider: Provider | None) -> int | None:
    """The ordering practitioner's id: by NPI (cached with the routing inputs, which include practitioners),
    else by name when exactly one active practitioner has it."""
    if provider is None:
        return None
    if provider.npi:
        npi = provider.npi
        found: int | None = routingcache.get(
            routingcache.current(), ("npi", organization.pk, npi),
            lambda: Practitioner.objects.filter(organization=organization, npi=npi).values_list("pk", flat=True)
            .first())
        if found is not None:
            return found
    ours = Practitioner.objects.filter(organization=organization)
    family, given = fold(provider.name.family), fold(provider.name.given)
    if not family:
        return None
    alike = [p for p in ours.filter(active=True, family_name__iexact=provider.name.family)
             if fold(p.family_name) == family and (not given or fold(p.given_name) == given)]
    if not alike:  # accents the database's iexact does not fold
        alike = [p for p in ours.filter(active=True) if fold(p.family_name) == family
                 and (not given or fold(p.given_name) == given)]
    return alike[0].pk if len(alike) == 1 else None


def _provider_text(provider: Provider | None) -> str:
    if provider is None:
        return ""
    name = " ".join(p for p in (provider.name.prefix, provider.name.given, provider.name.family) if p)
    return f"{name} ({'NPI ' if provider.npi else ''}{provider.id})" if provider.id else name


def _when(stamp: Timestamp | None, zone: ZoneInfo) -> datetime | None:
    if stamp is None:
        return None
    return stamp.value if stamp.has_offset else stamp.value.replace(tzinfo=zone)


def _units(units: Coded | None) -> str:
    return (units.code or units.text) if units else ""


def _one(value: Value) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Coded):
        return value.text or value.code
    if isinstance(value, StructuredNumeric):
        parts = (value.comparator, "" if value.num1 is None else str(value.num1), value.separator,
                 "" if value.num2 is None else str(value.num2))
        return "".join(parts)
    if isinstance(value, Encapsulated):
        return ""
    return value


def _text(obs: Observation) -> str:
    return "\n".join(t for t in (_one(v) for v in obs.values) if t)


def _numeric(obs: Observation) -> Decimal | None:
    value = obs.value
    if isinstance(value, StructuredNumeric) and value.comparator in ("", "=") and not value.separator:
        value = value.num1
    if isinstance(value, Decimal) and abs(value) < _NUMERIC_LIMIT:
        return value.quantize(Decimal("1e-8")) if value.as_tuple().exponent < -8 else value  # type: ignore[operator]
    return None
