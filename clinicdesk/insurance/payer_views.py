"""Payers and their plans, kept by billing and managers."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from clinicdesk.insurance.models import Payer, Plan
from clinicdesk.practice.views import edit_page
from clinicdesk.web.forms import current_organization

manage = permission_required("insurance.change_payer", raise_exception=True)


class PayerForm(forms.ModelForm):
    class Meta:
        model = Payer
        fields = ["name", "payer_id", "claim_filing_indicator", "phone", "line1", "line2", "city", "state",
                  "postal_code", "country", "active"]


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["name", "plan_type", "active"]


@manage
def payer_list(request: HttpRequest) -> HttpResponse:
    payers = Payer.objects.filter(organization=current_organization(request)).prefetch_related("plans")
    return render(request, "insurance/payers.html", {"payers": payers})


@manage
def payer_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    payer = get_object_or_404(Payer, pk=pk, organization=org) if pk else Payer(organization=org)
    return edit_page(request, PayerForm(request.POST or None, instance=payer),
                     f"Payer {payer}" if pk else "New payer", back="payers:list")


@manage
def plan_edit(request: HttpRequest, payer_id: int, pk: int | None = None) -> HttpResponse:
    payer = get_object_or_404(Payer, pk=payer_id, organization=current_organization(request))
    plan = get_object_or_404(Plan, pk=pk, payer=payer) if pk else Plan(payer=payer)
    return edit_page(request, PlanForm(request.POST or None, instance=plan),
                     f"Plan {plan}" if pk else f"New plan of {payer}", back="payers:list")
