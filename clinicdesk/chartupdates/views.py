"""The review screen: a patient's pending proposed updates, accepted or rejected one field at a time."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.chartupdates.models import ProposalStatus, ProposedUpdate
from clinicdesk.chartupdates.services import proposal_accept, proposal_reject
from clinicdesk.patients import access


@permission_required("chartupdates.view_proposedupdate", raise_exception=True)
def review(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, purpose="chart-updates")
    rows = ProposedUpdate.objects.filter(patient=patient).select_related("decided_by")
    return render(request, "chartupdates/review.html", {
        "patient": patient, "pending": [r for r in rows if r.status == ProposalStatus.PENDING],
        "decided": [r for r in rows.order_by("-decided_at") if r.status != ProposalStatus.PENDING][:20]})


@require_POST
@permission_required("chartupdates.change_proposedupdate", raise_exception=True)
def decide(request: HttpRequest, proposal_id: int, decision: str) -> HttpResponse:
    actor = Actor.from_request(request)
    proposal = ProposedUpdate.objects.filter(pk=proposal_id, organization_id=actor.organization_id or 0).first()
    if proposal is None or decision not in ("accept", "reject"):
        raise Http404
    access.access_patient(actor=actor, patient_id=proposal.patient_id, perm="patients.change_patient",
                          purpose="chart-updates")
    try:
        if decision == "accept":
            proposal_accept(actor=actor, proposal=proposal)
            messages.success(request, f"Accepted the new {_label(proposal.field_name)}.")
        else:
            proposal_reject(actor=actor, proposal=proposal)
            messages.success(request, f"Kept the chart's {_label(proposal.field_name)}.")
    except ValidationError as exc:
        messages.error(request, f"{_label(proposal.field_name).capitalize()}: " + " ".join(exc.messages))
    return redirect("chartupdates:review", proposal.patient_id)


def _label(field_name: str) -> str:
    return field_name.replace("coverage.", "coverage ").replace("_", " ")
