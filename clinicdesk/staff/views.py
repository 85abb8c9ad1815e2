"""Staff administration for managers: accounts, roles, practitioners."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.staff.forms import PractitionerForm, UserCreateForm, UserRolesForm
from clinicdesk.staff.models import LoginFailure, Practitioner, User
from clinicdesk.staff.services import login_is_locked, practitioner_save, user_create, user_set_roles
from clinicdesk.web.forms import apply_validation_error, current_organization

manage = permission_required("staff.manage_staff", raise_exception=True)
_org = current_organization


@manage
def staff_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.filter(organization=_org(request)).prefetch_related("groups").order_by("last_name", "username")
    practitioners = Practitioner.objects.filter(organization=_org(request)).prefetch_related("locations")
    rows = [(u, login_is_locked(u.username)) for u in users]
    return render(request, "staff/list.html", {"rows": rows, "practitioners": practitioners})


@manage
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(actor=Actor.from_request(request), organization=_org(request),
                               username=data["username"], password=data["password"], roles=data["roles"],
                               first_name=data["first_name"], last_name=data["last_name"], email=data["email"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Created {user.display_name} ({user.username}).")
            return redirect("staff:list")
    return render(request, "staff/user_form.html", {"form": form, "title": "New staff account"})


@manage
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id, organization=_org(request))
    initial = {"roles": user.role_names, "active": user.is_active}
    form = UserRolesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if user.pk == request.user.pk and not form.cleaned_data["active"]:
            form.add_error("active", "You cannot deactivate your own account.")
        else:
            user_set_roles(actor=Actor.from_request(request), user=user, roles=form.cleaned_data["roles"],
                           active=form.cleaned_data["active"])
            if form.cleaned_data["unlock"]:
                LoginFailure.objects.filter(username__iexact=user.username).delete()
            messages.success(request, f"Saved {user.display_name}'s roles.")
            return redirect("staff:list")
    return render(request, "staff/user_form.html", {"form": form, "title": f"Roles of {user.display_name}"})


@manage
def practitioner_edit(request: HttpRequest, practitioner_id: int | None = None) -> HttpResponse:
    org = _org(request)
    practitioner = (get_object_or_404(Practitioner, pk=practitioner_id, organization=org) if practitioner_id
                    else Practitioner(organization=org))
    form = PractitionerForm(request.POST or None, instance=practitioner, organization=org)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "locations"}
        try:
            saved = practitioner_save(actor=Actor.from_request(request), practitioner=practitioner, fields=fields,
                                      location_ids=[loc.pk for loc in form.cleaned_data["locations"]])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved {saved.display_name}.")
            return redirect("staff:list")
    title = f"Edit {practitioner.display_name}" if practitioner.pk else "New practitioner"
    return render(request, "staff/user_form.html", {"form": form, "title": title})
