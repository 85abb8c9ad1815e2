"""Filing a received result message: orders, observations and reports, under the patient it matches.

``hl7_file`` re-parses the stored raw message, matches each PID against our patients (``matching.assess``) and
writes everything in one transaction with a ``ResultMatch`` per PID: confident matches are attached to the
patient; uncertain ones are stored with no patient and wait in the reconciliation queue
(``results_to_reconcile``) until staff confirm or reject them. Filing the same message twice does nothing new:
only a message still ``received`` is filed, under a row lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record, audit_record_many
from clinicdesk.inbox.services import Draft, items_save
from clinicdesk.labs.filer import (
    Filed,
    FiledOrder,
    Plan,
    plan_results,
    supersede,
    superseded_late,
    write_results,
)
from clinicdesk.labs.models import (
    InboundMessage,
    InboundStatus,
    LabObservation,
    LabOrder,
    MatchStatus,
    ResultMatch,
)
from clinicdesk.labs.notify import ACTOR as ITEM_ACTOR
from clinicdesk.labs.notify import reconciled, result_item_draft
from clinicdesk.patients.models import Patient, Status
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2.inbound import parse
from clinicdesk.protocols.hl7v2.oru import ResultMessage

log = logging.getLogger(__name__)
SYSTEM = Actor(user=None, via="hl7", role="system")
QUEUED_TOO_LONG = timedelta(minutes=1)


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
    with transaction.atomic(savepoint=savepoint):
        # The claim: one conditional UPDATE (it takes the row lock) instead of SELECT ... FOR UPDATE + UPDATE.
        # Rolled back with everything else if filing fails, so the message stays received.
        if not claimed and not InboundMessage.objects.filter(pk=inbound.pk, status=InboundStatus.RECEIVED).update(
                status=InboundStatus.PROCESSED):  # filed meanwhile by another worker
            return list(inbound.matches.order_by("group"))
        (filed,) = hl7_file_claimed(organization=organization, messages=[(inbound, parsed)], audit=audit)
    inbound.status = InboundStatus.PROCESSED
    return [match for match, _ in filed]


@dataclass
class FilingPlan:
    """Result messages matched, turned into rows and routed, nothing written yet (``plan_filing``)."""

    results: Plan
    drafts: list[Draft]  # one inbox item per match, in the plan's match order


def plan_filing(*, organization: Organization,
                messages: list[tuple[InboundMessage, ResultMessage]]) -> FilingPlan:
    """What ``hl7_file_claimed`` will write for ``messages``, worked out without writing (reads only: the
    candidates, the routing configuration): the filer does this before its transaction."""
    results = plan_results(organization, messages)
    by_match: list[list[FiledOrder]] = [[] for _ in results.matches]
    for (index, _, row), filed in zip(results.orders, results.observations, strict=True):
        by_match[index].append((row, filed))
    drafts = [result_item_draft(organization=organization, match=match, orders=orders)
              for match, orders in zip(results.matches, by_match, strict=True)]
    return FilingPlan(results, drafts)


def hl7_file_claimed(*, organization: Organization, messages: list[tuple[InboundMessage, ResultMessage]],
                     audit: list[Entry] | None = None, plan: FilingPlan | None = None) -> list[list[Filed]]:
    """File messages the caller has claimed in its transaction (the listener's group: inserted as processed;
    the filer's: marked so), all together: one query for the candidates and one INSERT per table
    (``filer.plan_results``, ``filer.write_results``). Each result becomes inbox work in the same transaction, so
    none is orphaned. ``audit`` as in ``hl7_file``; ``plan``: ``plan_filing`` of these very messages, made
    beforehand."""
    events: list[Entry] = [] if audit is None else audit
    plan = plan or plan_filing(organization=organization, messages=messages)
    with transaction.atomic(savepoint=False):
        filed = write_results(plan.results, events)
        for (item, _), match in zip(plan.drafts, plan.results.matches, strict=True):
            item.source = f"labs.ResultMatch:{match.pk}"
        items_save(actor=ITEM_ACTOR, organization=organization, drafts=plan.drafts, audit=events)
        if audit is None:
            audit_record_many(actor=SYSTEM, entries=events, organization_id=organization.pk)
    return filed


def hl7_file_safely(inbound_id: int, parsed: ResultMessage | None = None, *,
                    inbound: InboundMessage | None = None) -> None:
    """``hl7_file`` for the receiving path: a failure is logged and the message stays ``received``."""
    try:
        hl7_file(inbound=inbound or InboundMessage.objects.get(pk=inbound_id), parsed=parsed)
    except Exception:
        log.exception("filing inbound message %s failed; it stays received for a retry", inbound_id)


def hl7_file_pending(*, limit: int = 500) -> int:
    """File the accepted messages (results and demographics) still waiting (after a failure), and those queued
    for the filer more than ``QUEUED_TOO_LONG`` ago (no filer running); how many were tried."""
    from clinicdesk.labs.demographics import hl7_demographics_safely  # it builds on this module
    from clinicdesk.labs.queue import hl7_file_waiting

    taken = hl7_file_waiting(limit=limit, received_before=timezone.now() - QUEUED_TOO_LONG)

    rows = list(InboundMessage.objects.filter(Q(message_type__startswith="ORU") | Q(message_type__startswith="ADT"),
                                              status=InboundStatus.RECEIVED, ack_code="AA",
                                              organization__isnull=False)
                .order_by("pk").values_list("pk", "message_type")[:limit])
    for pk, message_type in rows:
        (hl7_demographics_safely if message_type.startswith("ADT") else hl7_file_safely)(pk)
    return taken + len(rows)


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
            supersede(order)
        superseded_late([(order, list(order.observations.all())) for order in orders])
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
