"""ADT^A04/A08 demographics from another system become PROPOSED chart changes, never silent ones.

The PID is matched against our patients exactly like a lab result's (``matching.assess``), and the match is kept
as a ``ResultMatch`` of the message. A confident match: each field the message names with a value that differs
from the chart (ignoring case and spacing) becomes a pending proposal (``chartupdates.proposals_create``, source
``hl7-adt``) for staff to accept or reject, and one inbox item says so. An uncertain match (or none: an A04 for
someone who is not our patient) waits in the reconciliation queue with an inbox item; confirming the patient
there (``filing.match_confirm``) makes the proposals then. Fields read: PID-5 name (family, given, middle), PID-7
date of birth, PID-8 sex, PID-11 home address (else the first), PID-13/14 phones (XTN.3 ``CP`` a mobile, use
``WPN`` work, else home) and e-mail.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.chartupdates.models import ProposedUpdate, Source
from clinicdesk.chartupdates.services import current_value, proposals_create
from clinicdesk.inbox.models import Kind, Priority
from clinicdesk.inbox.services import item_create
from clinicdesk.labs.filer import candidates_for, identity_of
from clinicdesk.labs.matching import assess
from clinicdesk.labs.models import InboundMessage, InboundStatus, MatchStatus, ResultMatch
from clinicdesk.labs.notify import RECONCILIATION
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2.adt import Demographics
from clinicdesk.protocols.hl7v2.inbound import parse

log = logging.getLogger(__name__)
SYSTEM = Actor(user=None, via="hl7", role="system")
DEMOGRAPHICS = "demographics"
_SEX = {"M": "male", "F": "female", "U": "unknown", "O": "other", "A": "other", "N": "other", "X": "other"}


def adt_changes(parsed: Demographics) -> dict[str, str]:
    """The chart fields the message gives a value for (``chartupdates`` field names), as text."""
    pid = parsed.patient
    changes = {"family_name": pid.name.family, "given_name": pid.name.given, "middle_name": pid.name.middle,
               "birth_date": pid.birth_date.isoformat() if pid.birth_date else "", "sex": _SEX.get(pid.sex, "")}
    address = next((a for a in parsed.addresses if a.type.upper() == "H"), parsed.addresses[0] if parsed.addresses
                   else None)
    if address is not None:
        changes |= {"line1": address.street, "line2": address.other, "city": address.city, "state": address.state,
                    "postal_code": address.postal_code}
    for phone in parsed.phones:
        field = ("phone_mobile" if phone.equipment.upper() == "CP" else
                 "phone_work" if phone.use.upper() == "WPN" else "phone_home")
        changes.setdefault(field, phone.number)
    if parsed.emails:
        changes["email"] = parsed.emails[0]
    return {name: value for name, value in changes.items() if value}


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def proposals_for(*, actor: Actor, patient: Patient, changes: dict[str, str], reference: str) -> list[ProposedUpdate]:
    """Pending proposals for the fields that differ from the chart (a case-only difference is no change)."""
    differing = {name: value for name, value in changes.items() if not _same(current_value(patient, name), value)}
    if not differing:
        return []
    return proposals_create(actor=actor, patient=patient, source=Source.HL7_ADT, reference=reference,
                            changes=differing)


def hl7_demographics(*, inbound: InboundMessage, parsed: Demographics | None = None) -> ResultMatch | None:
    """Match an accepted ADT message and propose its changes (or queue it for reconciliation); once only."""
    if inbound.status != InboundStatus.RECEIVED or inbound.organization_id is None:
        return inbound.matches.first()
    if parsed is None:
        reparsed = parse(bytes(inbound.raw))
        if not isinstance(reparsed, Demographics):
            return None
        parsed = reparsed
    organization = Organization.objects.get(pk=inbound.organization_id)
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(pk=inbound.pk, status=InboundStatus.RECEIVED).update(
            status=InboundStatus.PROCESSED)
        if not claimed:
            return inbound.matches.first()
        match = _match(organization, inbound, parsed)
        if match.status == MatchStatus.MATCHED and match.candidate is not None:
            proposals = proposals_for(actor=SYSTEM, patient=match.candidate, changes=match.identity["changes"],
                                      reference=match.identity["reference"])
            if proposals:
                _item(organization, match, match.candidate, proposals)
        else:
            _item(organization, match, None, [])
    inbound.status = InboundStatus.PROCESSED
    return match


def hl7_demographics_safely(inbound_id: int, parsed: Demographics | None = None, *,
                            inbound: InboundMessage | None = None) -> None:
    """``hl7_demographics`` for the receiving path: a failure is logged and the message stays ``received``."""
    try:
        hl7_demographics(inbound=inbound or InboundMessage.objects.get(pk=inbound_id), parsed=parsed)
    except Exception:
        log.exception("demographics of inbound message %s not processed; it stays received for a retry", inbound_id)


def _match(organization: Organization, inbound: InboundMessage, parsed: Demographics) -> ResultMatch:
    identity = identity_of(parsed.patient)
    assessment = assess(identity, candidates_for(organization, identity), mrn_prefix=organization.mrn_prefix)
    reference = f"{inbound.message_type} {inbound.control_id} from {inbound.sending_application}"[:200]
    match = ResultMatch.objects.create(
        organization=organization, inbound=inbound, group=0, candidate_id=assessment.candidate_id,
        score=Decimal(str(assessment.score)), reasons=list(assessment.reasons),
        status=MatchStatus.MATCHED if assessment.confident else MatchStatus.NEEDS_REVIEW,
        identity={"identifiers": [list(i) for i in identity.identifiers], "family": identity.family,
                  "given": identity.given, "sex": identity.sex,
                  "birth_date": identity.birth_date.isoformat() if identity.birth_date else None,
                  "event": parsed.event, "changes": adt_changes(parsed), "reference": reference})
    audit_record(actor=SYSTEM, action=Action.CREATE, object_type="ResultMatch", object_id=match.pk,
                 patient_id=assessment.candidate_id if assessment.confident else None,
                 organization_id=organization.pk,
                 detail={"inbound": inbound.pk, "status": match.status, "score": str(match.score), "adt": True})
    return match


def _item(organization: Organization, match: ResultMatch, patient: Patient | None,
          proposals: list[ProposedUpdate]) -> None:
    source = f"labs.ResultMatch:{match.pk}"
    sender = match.identity["reference"]
    if patient is not None:
        fields = ", ".join(p.field_name.replace("_", " ") for p in proposals)
        item_create(actor=SYSTEM, organization=organization, kind=Kind.TASK, category=DEMOGRAPHICS, patient=patient,
                    title=f"Review demographics update ({len(proposals)} field{'s' if len(proposals) != 1 else ''}:"
                          f" {fields})"[:200], body=f"Proposed by {sender}.", priority=Priority.ROUTINE, source=source)
        return
    who = " ".join(str(match.identity.get(k) or "") for k in ("family", "given", "birth_date")).strip()
    event = "Registration" if match.identity.get("event") == "A04" else "Demographics update"
    item_create(actor=SYSTEM, organization=organization, kind=Kind.TASK, category=RECONCILIATION,
                title=f"Match needed: {event} for {who or 'an unidentified patient'}"[:200],
                body="; ".join(str(r) for r in match.reasons) + f". From {sender}.", priority=Priority.ROUTINE,
                source=source)
