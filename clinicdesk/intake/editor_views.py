"""The form editor for managers: list the practice's forms, edit one as FHIR Questionnaire JSON (problems listed
one by one), and save it as a new version. Assignments keep the version they were made with."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.intake import editing
from clinicdesk.intake.definition_services import definition_save, questionnaire_problems
from clinicdesk.intake.selectors import definition_current, definition_versions, definitions_current
from clinicdesk.web.forms import current_organization

_BLANK = {"resourceType": "Questionnaire", "status": "active", "title": "New form",
          "item": [{"linkId": "question-1", "text": "First question", "type": "string"}]}


class EditorForm(forms.Form):
    key = forms.SlugField(label="Short name", max_length=60,
                          help_text="Lower-case letters, digits and hyphens; stays the same across versions.")
    questionnaire = forms.CharField(label="Questionnaire (FHIR R4 JSON)",
                                    widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false",
                                                                 "class": "intake-json"}))


@permission_required("intake.view_formdefinition", raise_exception=True)
def form_list(request: HttpRequest) -> HttpResponse:
    organization = current_organization(request)
    return render(request, "intake/forms.html", {"forms": definitions_current(organization=organization)})


@permission_required("intake.add_formdefinition", raise_exception=True)
def form_edit(request: HttpRequest, key: str | None = None) -> HttpResponse:
    organization = current_organization(request)
    current = None
    if key is not None:
        current = definition_current(organization=organization, key=key)
        if current is None:
            raise Http404
    initial = {"key": key or "", "questionnaire": json.dumps(current.questionnaire if current else _BLANK, indent=2,
                                                             ensure_ascii=False)}
    form = EditorForm(request.POST or None, initial=initial)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        new_key = key or form.cleaned_data["key"]
        if key is None and definition_current(organization=organization, key=new_key) is not None:
            form.add_error("key", "A form with this short name exists already; edit it instead.")
        else:
            try:
                saved = definition_save(actor=Actor.from_request(request), organization=organization, key=new_key,
                                        text=form.cleaned_data["questionnaire"])
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"questionnaire": exc.messages}
                problems = list(errors.get("questionnaire", []))
                if "key" in errors:
                    form.add_error("key", errors["key"])
            else:
                messages.success(request, f"Saved “{saved.title}” as version {saved.version}.")
                return redirect("intake:forms")
    versions = list(definition_versions(organization=organization, key=key)) if key else []
    return render(request, "intake/form_edit.html", {"form": form, "current": current, "problems": problems,
                                                     "versions": versions, "key": key},
                  status=422 if problems or form.errors else 200)


@permission_required("intake.add_formdefinition", raise_exception=True)
def form_items(request: HttpRequest, key: str) -> HttpResponse:
    """Edit a form item by item (text, type, required, choices; move, remove, add), then save a new version.
    The form being edited travels in a hidden field until it is saved."""
    organization = current_organization(request)
    current = definition_current(organization=organization, key=key)
    if current is None:
        raise Http404
    data: dict[str, Any] = dict(current.questionnaire)
    if request.method == "POST":
        try:
            posted = json.loads(request.POST.get("questionnaire", ""))
            if isinstance(posted, dict):
                data = posted
        except json.JSONDecodeError:
            messages.error(request, "The form being edited was damaged; starting again from the saved version.")
        data = editing.apply_edits(data, request.POST)
        if request.POST.get("title", "").strip():
            data["title"] = request.POST["title"].strip()[:200]
        verb, target = editing.parse_action(request.POST.get("action", ""))
        if verb in ("up", "down"):
            data = editing.move(data, target, -1 if verb == "up" else 1)
        elif verb == "remove":
            data = editing.remove(data, target)
        elif verb == "add":
            data = editing.add(data, target or "string")
        elif verb == "addto":
            data = editing.add(data, "string", parent=target)
        elif verb == "save":
            try:
                saved = definition_save(actor=Actor.from_request(request), organization=organization, key=key,
                                        text=json.dumps(data))
            except ValidationError:
                pass  # the problems are listed below
            else:
                messages.success(request, f"Saved “{saved.title}” as version {saved.version}.")
                return redirect("intake:forms")
    text = json.dumps(data, ensure_ascii=False)
    problems = questionnaire_problems(text)[1]
    return render(request, "intake/form_items.html", {
        "current": current, "key": key, "data": data, "text": text, "rows": editing.rows(data),
        "problems": problems, "types": editing.EDITABLE_TYPES},
        status=422 if problems and request.POST.get("action", "").startswith("save") else 200)
