"""Filing a received result message: orders, observations and reports, under the patient it matches.

``hl7_file`` re-parses the stored raw message, matches each PID against our patients (``matching.assess``) and
writes everything in one transaction with a ``ResultMatch`` per PID: confident matches are attached to the
patient; uncertain ones are stored with no patient and wait in the reconciliation queue
(``results_to_reconcile``) until staff confirm or reject them. Filing the same message twice does nothing new:
only a message still ``received`` is filed, under a row lock.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record, audit_record_many
from clinicdesk.inbox import routingcache
from clinicdesk.labs.matching import Assessment, Candidate, Identity, assess, mrns_in
from clinicdesk.labs.models import (
    InboundMessage,
    InboundStatus,
    LabObservation,
    LabOrder,
    LabReport,
    MatchStatus,
    ObservationStatus,
    ResultMatch,
)
from clinicdesk.labs.notify import reconciled, result_inbox_item
from clinicdesk.lib import rows
from clinicdesk.lib.names import fold
from clinicdesk.patients.models import Patient, Status
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2.datatypes import Coded, Provider, StructuredNumeric, Timestamp
from clinicdesk.protocols.hl7v2.inbound import parse
from clinicdesk.protocols.hl7v2.observation import Encapsulated, Observation, Value
from clinicdesk.protocols.hl7v2.oru import Order, ResultMessage
from clinicdesk.protocols.hl7v2.patient import Patient as PID
from clinicdesk.staff.models import Practitioner

log = logging.getLogger(__name__)
SYSTEM = Actor(user=None, via="hl7", role="system")
FiledOrder = tuple[LabOrder, list[LabObservation]]
_NUMERIC_LIMIT = Decimal(10) ** 15  # value_numeric holds 16 integer digits


def hl7_file(*, inbound: InboundMessage, parsed: ResultMessage | None = None,
             organization: Organization | None = None, audit: list[Entry] | None = None,
             savepoint: bool = True, claimed: bool = False) -> list[ResultMatch]:
    """File an accepted ORU message; the matches made (none for a message that is not a filable result).

    ``parsed``: the message as the receiving path already parsed it (else the stored raw bytes are parsed again).
    ``organization``: the message's, when the caller has it. ``audit``: a list the caller records with ``SYSTEM``
    in the same transaction (a group's events in one append); None: recorded here. ``savepoint=False`` joins the
    caller's transaction without a savepoint (a failure then fails the caller's whole block). ``claimed``: the
    caller inserted the message as ``processed`` in this very transaction (nobody else can see it), so there is
    nothing to claim; it must set it back to ``received`` if filing fails.
    Raises on a database error, leaving the message ``received`` for a retry."""
    if (inbound.status != InboundStatus.RECEIVED and not claimed) or inbound.organization_id is None:
        return list(inbound.matches.order_by("group"))
    if parsed is None:
        reparsed = parse(bytes(inbound.raw))
        if not isinstance(reparsed, ResultMessage):
            return []
        parsed = reparsed
    if organization is None or organization.pk != inbound.organization_id:
        organization = Organization.objects.get(pk=inbound.organization_id)
    events: list[Entry] = [] if audit is None else audit
    with transaction.atomic(savepoint=savepoint):
        # The claim: one conditional UPDATE (it takes the row lock) instead of SELECT ... FOR UPDATE + UPDATE.
        # Rolled back with everything else if filing fails, so the message stays received.
        if not claimed and not InboundMessage.objects.filter(pk=inbound.pk, status=InboundStatus.RECEIVED).update(
                status=InboundStatus.PROCESSED):  # filed meanwhile by another worker
            return list(inbound.matches.order_by("group"))
        filed = [_file_group(organization, inbound, group, result.patient, result.orders, result.notes, events)
                 for group, result in enumerate(parsed.results)]
        for match, orders in filed:  # each result becomes inbox work in the same transaction: none is orphaned
            result_inbox_item(organization=organization, match=match, orders=orders, audit=events)
        if audit is None:
            audit_record_many(actor=SYSTEM, entries=events, organization_id=organization.pk)
    inbound.status = InboundStatus.PROCESSED
    return [match for match, _ in filed]


def hl7_file_safely(inbound_id: int, parsed: ResultMessage | None = None, *,
                    inbound: InboundMessage | None = None) -> None:
    """``hl7_file`` for the receiving path: a failure is logged and the message stays ``received``."""
    try:
        hl7_file(inbound=inbound or InboundMessage.objects.get(pk=inbound_id), parsed=parsed)
    except Exception:
        log.exception("filing inbound message %s failed; it stays received for a retry", inbound_id)


def hl7_file_pending(*, limit: int = 500) -> int:
    """File the accepted messages (results and demographics) still waiting (after a failure); how many were tried."""
    from clinicdesk.labs.demographics import hl7_demographics_safely  # it builds on this module

    rows = list(InboundMessage.objects.filter(Q(message_type__startswith="ORU") | Q(message_type__startswith="ADT"),
                                              status=InboundStatus.RECEIVED, ack_code="AA",
                                              organization__isnull=False)
                .order_by("pk").values_list("pk", "message_type")[:limit])
    for pk, message_type in rows:
        (hl7_demographics_safely if message_type.startswith("ADT") else hl7_file_safely)(pk)
    return len(rows)


def results_to_reconcile(*, organization_id: int) -> QuerySet[ResultMatch]:
    """The reconciliation queue: results waiting for staff to say whose they are, oldest first."""
    return (ResultMatch.objects.filter(organization_id=organization_id, status=MatchStatus.NEEDS_REVIEW)
            .select_related("inbound", "candidate").order_by("created_at", "pk"))


def match_confirm(*, actor: Actor, match: ResultMatch, patient: Patient) -> ResultMatch:
    """Staff say the result is this patient's (the candidate or another): its orders are attached to them."""
    _check(actor, match)
    if patient.organization_id != match.organization_id or patient.status == Status.MERGED:
        raise ValidationError("Choose an active patient of this practice.")
    with transaction.atomic():
        match.candidate, match.status = patient, MatchStatus.CONFIRMED
        match.decided_by, match.decided_at = actor.user, timezone.now()
        match.save(update_fields=["candidate", "status", "decided_by", "decided_at"])
        orders = list(match.orders.all())
        LabOrder.objects.filter(match=match).update(patient=patient)
        for order in orders:
            order.patient = patient
            _supersede(order)
        audit_record(actor=actor, action=Action.UPDATE, object_type="ResultMatch", object_id=match.pk,
                     patient_id=patient.pk, organization_id=match.organization_id,
                     detail={"decision": "confirmed", "orders": [o.pk for o in orders],
                             "inbound": match.inbound_id})
        reconciled(actor=actor, match=match)
        if "changes" in match.identity:  # demographics (ADT): now that staff know whose they are, propose them
            from clinicdesk.labs.demographics import proposals_for

            proposals_for(actor=actor, patient=patient, changes=match.identity["changes"],
                          reference=str(match.identity.get("reference", "")))
    return match


def match_reject(*, actor: Actor, match: ResultMatch, reason: str = "") -> ResultMatch:
    """Staff say the result is not for the candidate (nor, as far as they know, any of our patients): its
    orders are detached and it leaves the queue; the message and its results are kept."""
    _check(actor, match)
    previous = match.candidate_id if match.status in (MatchStatus.MATCHED, MatchStatus.CONFIRMED) else None
    with transaction.atomic():
        match.status = MatchStatus.REJECTED
        match.decided_by, match.decided_at = actor.user, timezone.now()
        match.save(update_fields=["status", "decided_by", "decided_at"])
        LabOrder.objects.filter(match=match).update(patient=None)
        LabObservation.objects.filter(order__match=match).update(superseded_by=None)
        LabObservation.objects.filter(superseded_by__order__match=match).update(superseded_by=None)
        audit_record(actor=actor, action=Action.UPDATE, object_type="ResultMatch", object_id=match.pk,
                     patient_id=previous, organization_id=match.organization_id,
                     detail={"decision": "rejected", "reason": reason, "candidate": match.candidate_id,
                             "inbound": match.inbound_id})
    return match


def _check(actor: Actor, match: ResultMatch) -> None:
    if actor.user is None or actor.organization_id != match.organization_id:
        raise PermissionDenied("This result belongs to another practice.")


# --- filing one PID group -------------------------------------------------------------------------------------


def identity_of(pid: PID) -> Identity:
    return Identity(identifiers=tuple((i.value, i.type_code) for i in pid.identifiers), family=pid.name.family,
                    given=pid.name.given, birth_date=pid.birth_date, sex=pid.sex)


_CANDIDATES = ("SELECT id, mrn, family_name, given_name, birth_date, sex, primary_practitioner_id "
               "FROM patients_patient WHERE organization_id = %s AND status <> %s AND ({}) ORDER BY id LIMIT 500")


def candidates_for(organization: Organization, identity: Identity,
                   primaries: dict[int, int | None] | None = None) -> list[Candidate]:
    """Our patients worth scoring: those holding an MRN the lab sent, and those born that day.

    ``primaries``: filled with each candidate's primary practitioner id, when given."""
    # Plain SQL: it runs for every result filed, and building the ORM query cost more than running it.
    mrns = sorted(set(mrns_in(identity, organization.mrn_prefix)))
    conditions = [f"mrn IN ({', '.join(['%s'] * len(mrns))})"] if mrns else []
    params: list[Any] = [organization.pk, Status.MERGED, *mrns]
    if identity.birth_date:
        conditions.append("birth_date = %s")
        params.append(connection.ops.adapt_datefield_value(identity.birth_date))
    if not conditions:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES.format(" OR ".join(conditions)), params)
        found = [(pk, mrn, family, given, date.fromisoformat(born) if isinstance(born, str) else born, sex, primary)
                 for pk, mrn, family, given, born, sex, primary in cursor.fetchall()]
    if primaries is not None:
        primaries.update((row[0], row[6]) for row in found)
    return [Candidate(*row[:6]) for row in found]


def _file_group(organization: Organization, inbound: InboundMessage, group: int, pid: PID,
                orders: tuple[Order, ...], notes: tuple[str, ...],
                events: list[Entry]) -> tuple[ResultMatch, list[FiledOrder]]:
    identity = identity_of(pid)
    primaries: dict[int, int | None] = {}
    assessment: Assessment = assess(identity, candidates_for(organization, identity, primaries),
                                    mrn_prefix=organization.mrn_prefix)
    confident = assessment.confident
    match = ResultMatch(
        organization=organization, inbound=inbound, group=group, candidate_id=assessment.candidate_id,
        score=Decimal(str(assessment.score)), reasons=list(assessment.reasons),
        status=MatchStatus.MATCHED if confident else MatchStatus.NEEDS_REVIEW,
        identity={"identifiers": [list(i) for i in identity.identifiers], "family": identity.family,
                  "given": identity.given, "sex": identity.sex,
                  "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
                  "notes": list(notes)})
    rows.insert([match])
    if assessment.candidate_id is not None:  # the patient, not read again: the rest of its fields load if used
        match.candidate = Patient.from_db(connection.alias, ["id", "organization_id", "primary_practitioner_id"],
                                          [assessment.candidate_id, organization.pk,
                                           primaries.get(assessment.candidate_id)])
    patient_id = assessment.candidate_id if confident else None
    zone = organization.tz
    filed = [_file_order(organization, inbound, match, patient_id, order, zone) for order in orders]
    critical = sum(o.is_critical for _, observations in filed for o in observations)
    events.append(Entry(action=Action.CREATE, object_type="ResultMatch", object_id=str(match.pk),
                        patient_id=patient_id,
                        detail={"inbound": inbound.pk, "status": match.status, "score": str(match.score),
                                "orders": [o.pk for o, _ in filed], "critical": critical}))
    return match, filed


def _file_order(organization: Organization, inbound: InboundMessage, match: ResultMatch, patient_id: int | None,
                order: Order, zone: ZoneInfo) -> FiledOrder:
    """The order and its observations, inserted in one statement each (the observations in bulk)."""
    provider = order.ordering_provider
    row = LabOrder(
        organization=organization, patient_id=patient_id, inbound=inbound, match=match, set_id=order.set_id[:10],
        placer_number=order.placer_number[:100], filler_number=order.filler_number[:100],
        service_code=order.service.code[:100], service_text=order.service.text[:255],
        service_system=order.service.system[:50], ordering_practitioner_id=_practitioner(organization, provider),
        ordering_provider_text=_provider_text(provider)[:255], observed_at=_when(order.observed_at, zone),
        reported_at=_when(order.reported_at, zone), status=order.result_status[:1], notes="\n".join(order.notes))
    rows.insert([row])
    observations = [LabObservation(
        order=row, set_id=obs.set_id[:10], sub_id=obs.sub_id[:20], code=obs.code.code[:100],
        text=obs.code.text[:255], system=obs.code.system[:50], value_type=obs.value_type[:3],
        value_text=_text(obs), value_numeric=_numeric(obs), units=_units(obs.units)[:60],
        reference_range=obs.reference_range[:100], abnormal_flags="~".join(obs.abnormal_flags)[:50],
        status=obs.status, observed_at=_when(obs.observed_at, zone), notes="\n".join(obs.notes))
        for obs in order.observations]
    # Their ids are needed only to point a report or a correction at them; else one executemany, no RETURNING.
    needs_ids = any(o.status == ObservationStatus.CORRECTED for o in observations) or any(
        isinstance(v, Encapsulated) for obs in order.observations for v in obs.values)
    rows.insert(observations, returning_pk=needs_ids)
    for obs, observation in zip(order.observations, observations, strict=True):
        for number, value in enumerate(v for v in obs.values if isinstance(v, Encapsulated)):
            _store_report(row, observation if number == 0 else None, value)
    if patient_id is not None:
        _supersede(row, [o for o in observations if o.status == ObservationStatus.CORRECTED])
    return row, observations


def _supersede(order: LabOrder, corrections: list[LabObservation] | None = None) -> None:
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
