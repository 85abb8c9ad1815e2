"""The phone message quick form, used during a live call, and its live caller search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.inbox.forms import PhoneMessageForm
from clinicdesk.inbox.models import InboxItem
from clinicdesk.inbox.phone import phone_message_create
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient
from clinicdesk.patients.search import parse
from clinicdesk.web.forms import apply_validation_error, current_organization


def _caller(actor: Actor, raw: object) -> Patient | None:
    text = str(raw or "")
    if not text.isdigit():
        return None
    return access.access_patient(actor=actor, patient_id=int(text), purpose="phone message")


def where_it_went(item: InboxItem) -> str:
    who = [str(x) for x in (item.assigned_user and item.assigned_user.display_name, item.assigned_pool) if x]
    return " (".join(who) + (")" if len(who) == 2 else "")


@permission_required("inbox.add_inboxitem", raise_exception=True)
def phone_new(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    actor = Actor.from_request(request)
    form = PhoneMessageForm(request.POST or None)
    caller = _caller(actor, request.POST.get("patient") if request.method == "POST" else request.GET.get("patient"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = phone_message_create(
                actor=actor, organization=org, patient=caller, caller_name=data["caller_name"],
                category=data["category"], message=data["message"], callback_number=data["callback_number"],
                best_time=data["best_time"], priority=data["priority"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Phone message saved and sent to {where_it_went(item)}.")
            return redirect("inbox:detail", item_id=item.pk)
    return render(request, "inbox/phone.html", {"form": form, "caller": caller},
                  status=400 if form.errors else 200)


@permission_required("inbox.add_inboxitem", raise_exception=True)
def callers(request: HttpRequest) -> HttpResponse:
    """Live search for the caller by name, date of birth or phone number (the patient search, audited)."""
    actor = Actor.from_request(request)
    if pick := request.GET.get("pick", ""):
        caller = _caller(actor, pick)
        # An empty callback number is filled with the number on file; one already typed is kept.
        typed = request.GET.get("callback_number", "").strip()
        prefill = (caller.phone_mobile or caller.phone_home) if caller and not typed else ""
        return render(request, "inbox/_caller.html", {"caller": caller, "oob": True, "prefill": prefill})
    query = request.GET.get("q", "").strip()[:200]
    terms = parse(query)
    result = access.access_patient_search(actor=actor, terms=terms, limit=10) if query else None
    return render(request, "inbox/_callers.html", {"query": query, "result": result, "problems": terms.problems})
