"""The patient's pages behind a form link (no login: the signed token is the key; see link_services.py).

Every refusal is a plain page (400 not a link of ours, 410 expired, withdrawn or already submitted)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinicdesk.intake import filling
from clinicdesk.intake.link_services import LinkRefused, link_assignments, link_check
from clinicdesk.intake.mapping import INSURANCE_URL
from clinicdesk.intake.models import FormLink, ResponseSource
from clinicdesk.intake.services import definition_of
from clinicdesk.messaging.responses import patient_actor

CARD_SIDES = {"card_front": "Photo of the front of your insurance card",
              "card_back": "Photo of the back of your insurance card"}


def _refused(request: HttpRequest, exc: LinkRefused) -> HttpResponse:
    return render(request, "intake/link_message.html", {"title": "This link cannot be used", "text": str(exc)},
                  status=exc.status)


def _practice(link: FormLink) -> dict[str, Any]:
    return {"practice_name": link.organization.name}


@require_http_methods(["GET"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = link_check(token)
    except LinkRefused as exc:
        return _refused(request, exc)
    assignments = link_assignments(link)
    return render(request, "intake/link_start.html", {
        **_practice(link), "token": token, "assignments": assignments, "patient_name": link.patient.given_name,
        "all_done": not any(a.is_open for a in assignments)})


@require_http_methods(["GET", "POST"])
def fill(request: HttpRequest, token: str, assignment_id: int) -> HttpResponse:
    try:
        link = link_check(token)
    except LinkRefused as exc:
        return _refused(request, exc)
    assignment = next((a for a in link_assignments(link) if a.pk == assignment_id), None)
    if assignment is None:
        raise Http404
    if not assignment.is_open:
        return redirect("intake_link:start", token)
    questionnaire = definition_of(assignment.form)
    wants_cards = questionnaire.url == INSURANCE_URL
    context: dict[str, Any] = {**_practice(link), "token": token, "assignment": assignment,
                               "title": questionnaire.title, "card_sides": CARD_SIDES if wants_cards else {}}
    if request.method == "GET":
        outcome = filling.show(assignment)
        return render(request, "intake/link_fill.html", {**context, "nodes": outcome.nodes, "shape": outcome.shape})
    actor = patient_actor("form-link", ip=request.META.get("REMOTE_ADDR") or None)
    action = request.POST.get("action", "save")
    cards: dict[str, UploadedFile] = {side: f for side in CARD_SIDES if (f := request.FILES.get(side))}
    try:
        outcome = filling.act(actor=actor, assignment=assignment, data=request.POST,
                              source=ResponseSource.PATIENT_LINK, action=action, cards=cards or None)
    except ValidationError as exc:  # a card that is not an image, or the form closed meanwhile
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204)
        outcome = filling.show(assignment)
        return render(request, "intake/link_fill.html", {**context, "nodes": outcome.nodes, "shape": outcome.shape,
                                                         "card_errors": exc.messages}, status=422)
    if outcome.submitted is not None:
        if any(a.is_open for a in link_assignments(link)):
            return redirect("intake_link:start", token)
        return render(request, "intake/link_message.html", {
            **_practice(link), "title": "Thank you", "done": True,
            "text": "Your forms are complete and have been sent to the practice. You can close this page."})
    if request.headers.get("HX-Request"):
        if outcome.unchanged(request.POST):
            return HttpResponse(status=204)
        return render(request, "intake/_items.html", {"nodes": outcome.nodes, "shape": outcome.shape})
    return render(request, "intake/link_fill.html", {**context, "nodes": outcome.nodes, "shape": outcome.shape,
                                                     "problems_shown": outcome.problems_shown, "focus": outcome.focus,
                                                     "saved": action == "save"},
                  status=422 if outcome.problems_shown else 200)
