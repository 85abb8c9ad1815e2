"""The managers' routing setup: ordered rules, pools, absences (out of office) and the on-call roster."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.inbox.models import Absence, OnCall, Pool, RoutingRule
from clinicdesk.inbox.setup_forms import CATEGORY_SUGGESTIONS, AbsenceForm, OnCallForm, PoolForm, RuleForm
from clinicdesk.inbox.setup_services import (
    absence_save,
    on_call_save,
    pool_save,
    rule_move,
    rule_save,
    rule_set_active,
    span_end,
)
from clinicdesk.staff.models import User
from clinicdesk.web.forms import apply_validation_error, current_organization


def _names(org_id: int) -> dict[str, str]:
    people = {str(u.pk): u.display_name for u in User.objects.filter(organization_id=org_id)}
    return people


@permission_required("inbox.view_routingrule", raise_exception=True)
def rules(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    pools = dict(Pool.objects.filter(organization=org).values_list("key", "name"))
    people = _names(org.pk)
    listed: list[dict[str, Any]] = []
    for rule in RoutingRule.objects.filter(organization=org).select_related("location").order_by("order", "pk"):
        names = {"pool": pools, "user": people}
        listed.append({"rule": rule,
                       "target": names.get(rule.target_kind, {}).get(rule.target_value, rule.target_value),
                       "escalation": names.get(rule.escalation_kind, {}).get(rule.escalation_value, "")})
    return render(request, "inbox/setup/rules.html", {"rules": listed, "setup": "rules"})


@permission_required("inbox.change_routingrule", raise_exception=True)
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    org = current_organization(request)
    rule = (get_object_or_404(RoutingRule, pk=rule_id, organization=org) if rule_id
            else RoutingRule(organization=org))
    initial = RuleForm.initial_for(rule) if rule_id else {}
    form = RuleForm(request.POST or None, initial=initial, organization_id=org.pk)
    if request.method == "POST" and form.is_valid() and (fields := form.rule_fields()):
        try:
            rule_save(actor=Actor.from_request(request), rule=rule, fields=fields)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved rule {rule}.")
            return redirect("inbox:rules")
    return render(request, "inbox/setup/rule_form.html", {"form": form, "rule": rule, "setup": "rules",
                                                          "categories": CATEGORY_SUGGESTIONS},
                  status=400 if form.errors else 200)


@require_POST
@permission_required("inbox.change_routingrule", raise_exception=True)
def rule_move_view(request: HttpRequest, rule_id: int, direction: str) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=rule_id, organization=current_organization(request))
    try:
        rule_move(actor=Actor.from_request(request), rule=rule, direction=direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("inbox:rules")


@require_POST
@permission_required("inbox.change_routingrule", raise_exception=True)
def rule_active_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=rule_id, organization=current_organization(request))
    rule = rule_set_active(actor=Actor.from_request(request), rule=rule, active=not rule.active)
    messages.success(request, f"Rule {rule} {'reactivated' if rule.active else 'deactivated'}.")
    return redirect("inbox:rules")


@permission_required("inbox.view_pool", raise_exception=True)
def pools(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    listed = Pool.objects.filter(organization=org).select_related("practitioner").prefetch_related("members")
    return render(request, "inbox/setup/pools.html", {"pools": listed, "setup": "pools"})


@permission_required("inbox.change_pool", raise_exception=True)
def pool_edit(request: HttpRequest, pool_id: int | None = None) -> HttpResponse:
    org = current_organization(request)
    pool = get_object_or_404(Pool, pk=pool_id, organization=org) if pool_id else Pool(organization=org)
    initial = {"name": pool.name, "key": pool.key, "members": list(pool.members.all()) if pool_id else [],
               "practitioner": pool.practitioner_id}
    form = PoolForm(request.POST or None, initial=initial, organization_id=org.pk)
    if request.method == "POST" and form.is_valid():
        try:
            pool_save(actor=Actor.from_request(request), pool=pool, fields=dict(form.cleaned_data))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved pool {pool.name}.")
            return redirect("inbox:pools")
    return render(request, "inbox/setup/pool_form.html", {"form": form, "pool": pool, "setup": "pools"},
                  status=400 if form.errors else 200)


def _spans(request: HttpRequest, *, model: type[Absence] | type[OnCall], span_id: int | None, perm: str,
           template: str, setup: str) -> HttpResponse:
    org = current_organization(request)
    scope = {"user__organization": org} if model is Absence else {"pool__organization": org}
    span: Any = get_object_or_404(model, pk=span_id, **scope) if span_id else None
    form_class = AbsenceForm if model is Absence else OnCallForm
    initial = {f: getattr(span, f"{f}_id", None) or getattr(span, f, None) for f in form_class.base_fields} \
        if span else {}
    form = form_class(request.POST or None, initial=initial, organization_id=org.pk)
    if request.method == "POST":
        if not request.user.has_perm(perm):
            messages.error(request, "Your role does not allow this.")
            return redirect(request.path)
        if form.is_valid():
            actor = Actor.from_request(request)
            try:
                if model is Absence:
                    absence_save(actor=actor, absence=span or Absence(), organization_id=org.pk, **form.cleaned_data)
                else:
                    on_call_save(actor=actor, span=span or OnCall(), organization_id=org.pk, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect(f"inbox:{setup}")
    now = timezone.now()
    current = model.objects.filter(end__gt=now, **scope).select_related(
        *(["user", "delegate"] if model is Absence else ["pool", "user"])).order_by("start", "pk")
    return render(request, template, {"form": form, "span": span, "spans": current, "now": now, "setup": setup},
                  status=400 if form.errors else 200)


@permission_required("inbox.view_absence", raise_exception=True)
def absences(request: HttpRequest, absence_id: int | None = None) -> HttpResponse:
    return _spans(request, model=Absence, span_id=absence_id, perm="inbox.change_absence",
                  template="inbox/setup/absences.html", setup="absences")


@permission_required("inbox.view_oncall", raise_exception=True)
def on_call(request: HttpRequest, span_id: int | None = None) -> HttpResponse:
    return _spans(request, model=OnCall, span_id=span_id, perm="inbox.change_oncall",
                  template="inbox/setup/on_call.html", setup="on_call")


@require_POST
@permission_required("inbox.change_absence", raise_exception=True)
def absence_end_view(request: HttpRequest, absence_id: int) -> HttpResponse:
    org = current_organization(request)
    absence = get_object_or_404(Absence, pk=absence_id, user__organization=org)
    span_end(actor=Actor.from_request(request), span=absence, organization_id=org.pk)
    messages.success(request, f"{absence.user.display_name} is back: new items go to them again.")
    return redirect("inbox:absences")


@require_POST
@permission_required("inbox.change_oncall", raise_exception=True)
def on_call_end_view(request: HttpRequest, span_id: int) -> HttpResponse:
    org = current_organization(request)
    span = get_object_or_404(OnCall, pk=span_id, pool__organization=org)
    span_end(actor=Actor.from_request(request), span=span, organization_id=org.pk)
    messages.success(request, f"Ended {span.user.display_name}'s on-call for {span.pool.name}.")
    return redirect("inbox:on_call")
