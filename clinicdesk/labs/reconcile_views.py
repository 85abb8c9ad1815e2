"""The reconciliation queue: results the matcher was not sure about, for staff to say whose they are.

Nothing here attaches a result by itself: staff pick a patient (a scored candidate, or one they searched for)
and confirm, or reject; both go through ``labs.filing.match_confirm`` / ``match_reject``. Listing candidates is
a read of patient data: each patient shown is one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.labs.filer import candidates_for
from clinicdesk.labs.filing import match_confirm, match_reject, results_to_reconcile
from clinicdesk.labs.matching import Assessment, Candidate, Identity, assess
from clinicdesk.labs.models import LabObservation, MatchStatus, ResultMatch
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient, Status
from clinicdesk.patients.search import parse
from clinicdesk.patients.services import PossibleDuplicate, patient_create
from clinicdesk.web.forms import current_organization

VIEW_PERM = "labs.view_resultmatch"
DECIDE_PERM = "labs.change_resultmatch"
_SEX = {"M": "male", "F": "female", "O": "other", "A": "other", "N": "other"}


@dataclass
class Waiting:
    match: ResultMatch
    tests: str
    results: int
    abnormal: int
    critical: int


@dataclass
class Scored:
    patient: Patient
    score: float | None
    reasons: tuple[str, ...]
    suggested: bool


def identity_from(match: ResultMatch) -> Identity:
    data: dict[str, Any] = match.identity or {}
    born = data.get("birth_date")
    try:
        birth_date = date.fromisoformat(born) if isinstance(born, str) else None
    except ValueError:
        birth_date = None
    identifiers = tuple((str(i[0]), str(i[1])) for i in data.get("identifiers", []) if len(i) == 2)
    return Identity(identifiers=identifiers, family=str(data.get("family", "")), given=str(data.get("given", "")),
                    birth_date=birth_date, sex=str(data.get("sex", "")))


def _waiting(match: ResultMatch) -> Waiting:
    orders = list(match.orders.all())
    observations = list(LabObservation.objects.filter(order__match=match, superseded_by__isnull=True)
                        .exclude(value_type__in=("ED", "RP")))
    default = "demographics update (ADT)" if "changes" in (match.identity or {}) else "lab result"
    tests = ", ".join(dict.fromkeys(o.service_text or o.service_code for o in orders)) or default
    return Waiting(match, tests, len(observations), sum(o.is_abnormal for o in observations),
                   sum(o.is_critical for o in observations))


def _audit_shown(actor: Actor, matches: list[ResultMatch], patients: list[Patient], purpose: str) -> None:
    entries = [Entry(action=Action.VIEW, object_type="ResultMatch", object_id=str(m.pk),
                     detail={"purpose": purpose}) for m in matches]
    entries += [Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(p.pk), patient_id=p.pk,
                      detail={"list": purpose}) for p in patients]
    audit_record_many(actor=actor, entries=entries)


def _org(actor: Actor) -> int:
    assert actor.organization_id is not None  # require_permission refuses a user without a practice
    return actor.organization_id


def _require(actor: Actor, perm: str) -> None:
    access.require_permission(actor, perm)
    access.require_permission(actor, "patients.view_patient")


def reconcile_queue(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    _require(actor, VIEW_PERM)
    organization = current_organization(request)
    matches = list(results_to_reconcile(organization_id=organization.pk).prefetch_related("orders")[:200])
    waiting = [_waiting(m) for m in matches]
    _audit_shown(actor, matches, [m.candidate for m in matches if m.candidate is not None], "reconciliation")
    return render(request, "labs/reconcile.html", {"waiting": waiting})


def _load(actor: Actor, match_id: int, *, lock: bool = False) -> ResultMatch:
    found = ResultMatch.objects.select_for_update() if lock else ResultMatch.objects
    match = found.filter(pk=match_id, organization_id=_org(actor)).select_related("inbound").first()
    if match is None:
        raise Http404("No such result in this practice.")
    return match


def _scored(match: ResultMatch, identity: Identity, searched: list[Patient]) -> list[Scored]:
    organization = match.organization
    candidates = candidates_for(organization, identity)
    ids = [c.id for c in candidates] + ([match.candidate_id] if match.candidate_id else [])
    ids += [p.pk for p in searched]
    patients = Patient.objects.filter(organization=organization, pk__in=ids).exclude(status=Status.MERGED) \
        .select_related("primary_practitioner").in_bulk()
    found: list[Scored] = []
    for pk in dict.fromkeys(ids):
        patient = patients.get(pk)
        if patient is None:
            continue
        candidate = Candidate(patient.pk, patient.mrn, patient.family_name, patient.given_name, patient.birth_date,
                              patient.sex)
        result: Assessment = assess(identity, [candidate], mrn_prefix=organization.mrn_prefix)
        scored = result.candidate_id is not None
        found.append(Scored(patient, result.score if scored else None, result.reasons if scored else (),
                            pk == match.candidate_id))
    found.sort(key=lambda s: (not s.suggested, -(s.score or 0.0), s.patient.family_name))
    return found


def match_review(request: HttpRequest, match_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    _require(actor, VIEW_PERM)
    match = _load(actor, match_id)
    if request.method == "POST":
        return _decide(request, actor, match_id)
    identity = identity_from(match)
    query = request.GET.get("q", "").strip()[:200]
    terms = parse(query)
    searched = list(access.access_patient_search(actor=actor, terms=terms, limit=20).patients) if query else []
    scored = _scored(match, identity, searched)
    _audit_shown(actor, [match], [s.patient for s in scored if s.patient not in searched], "reconciliation")
    orders = list(match.orders.prefetch_related("observations").order_by("pk"))
    return render(request, "labs/match.html", {
        "waiting": _waiting(match), "match": match, "identity": identity, "scored": scored, "query": query,
        "problems": terms.problems if query else [], "orders": orders,
        "open": match.status == MatchStatus.NEEDS_REVIEW,
    })


def _decide(request: HttpRequest, actor: Actor, match_id: int) -> HttpResponse:
    _require(actor, DECIDE_PERM)
    action = request.POST.get("action", "")
    try:
        with transaction.atomic():
            match = _load(actor, match_id, lock=True)
            if match.status != MatchStatus.NEEDS_REVIEW:
                raise ValidationError("This result was already decided by someone else; nothing was changed.")
            if action == "confirm":
                patient = _chosen(actor, request.POST.get("patient", ""))
                match_confirm(actor=actor, match=match, patient=patient)
                messages.success(request, f"Filed {_waiting(match).tests} under {patient.display_name} "
                                          f"(MRN {patient.mrn}).")
            elif action == "reject":
                reason = request.POST.get("reason", "").strip()[:500]
                if not reason:
                    raise ValidationError("Say why it is rejected (e.g. not our patient, sent to us in error).")
                match_reject(actor=actor, match=match, reason=reason)
                messages.success(request, "Rejected: the result is kept but attached to no patient.")
            elif action == "create":
                patient = _create_patient(actor, match)
                match_confirm(actor=actor, match=match, patient=patient)
                messages.success(request, f"Registered {patient.display_name} (MRN {patient.mrn}) and filed the "
                                          "result under them.")
            else:
                raise ValidationError("Choose confirm, reject or register a new patient.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("labs:match", match_id=match_id)
    except PossibleDuplicate as dup:
        messages.error(request, f"Not registered: {len(dup.matches)} existing patient(s) look the same. Check the "
                                "candidates below (search by name or date of birth) and confirm one of them.")
        return redirect("labs:match", match_id=match_id)
    return redirect("labs:reconcile")


def _chosen(actor: Actor, raw: str) -> Patient:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ValidationError("Choose the patient this result belongs to.")
    patient = Patient.objects.filter(pk=int(raw), organization_id=_org(actor)).first()
    if patient is None:
        raise ValidationError("That patient is not in this practice.")
    return patient


def _create_patient(actor: Actor, match: ResultMatch) -> Patient:
    access.require_permission(actor, "patients.add_patient")
    identity = identity_from(match)
    if not (identity.family and identity.given and identity.birth_date):
        raise ValidationError("The lab did not send a full name and date of birth; register the patient on the "
                              "patient screen first, then search for them here.")
    fields = {"family_name": identity.family.title(), "given_name": identity.given.title(),
              "birth_date": identity.birth_date, "sex": _SEX.get(identity.sex.upper(), "unknown")}
    return patient_create(actor=actor, organization=match.organization, fields=fields)
