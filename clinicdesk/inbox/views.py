"""The inbox lists: mine, a pool, all open (managers); filters, counts, the nav badge and bulk actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.inbox import selectors
from clinicdesk.inbox.forms import BulkForm, FilterForm
from clinicdesk.inbox.models import InboxItem, ItemStatus, Pool, Priority
from clinicdesk.inbox.services import item_reassign, item_update_status
from clinicdesk.web.forms import current_organization

LIST_LIMIT = 200
_RANK = Case(When(priority=Priority.CRITICAL, then=Value(0)), When(priority=Priority.URGENT, then=Value(1)),
             default=Value(2), output_field=IntegerField())


def _filter(items: QuerySet[InboxItem], form: FilterForm) -> QuerySet[InboxItem]:
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("kind"):
        items = items.filter(kind=data["kind"])
    if data.get("priority"):
        items = items.filter(priority=data["priority"])
    status = data.get("status") or ""
    if status == "":
        items = items.exclude(status=ItemStatus.DONE)
    elif status != "any":
        items = items.filter(status=status)
    if text := (data.get("patient") or "").strip():
        items = items.filter(Q(patient__family_name__icontains=text) | Q(patient__given_name__icontains=text)
                             | Q(patient__mrn__iexact=text) | Q(phone_message__caller_name__icontains=text))
    return items


def _show(request: HttpRequest, *, title: str, view: str, items: QuerySet[InboxItem],
          pool: Pool | None = None) -> HttpResponse:
    user = request.user
    form = FilterForm(request.GET or None)
    ordered = (_filter(items, form).select_related("patient", "assigned_user", "assigned_pool", "phone_message")
               .order_by(_RANK, "-flagged_escalated", "created_at", "pk"))
    shown = list(ordered[:LIST_LIMIT + 1])
    more, shown = len(shown) > LIST_LIMIT, shown[:LIST_LIMIT]
    # Listing names is a read of patient data: one audit event per patient shown.
    audit_record_many(actor=Actor.from_request(request), entries=[
        Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(pid), patient_id=pid,
              detail={"list": f"inbox {view}"})
        for pid in dict.fromkeys(i.patient_id for i in shown if i.patient_id)])
    organization_id = getattr(user, "organization_id", None)
    return render(request, "inbox/list.html", {
        "title": title, "view": view, "items": shown, "more": more, "form": form, "pool": pool,
        "counts": selectors.view_counts(user),  # type: ignore[arg-type]
        "pools": list(selectors.user_pools(user)),  # type: ignore[arg-type]
        "bulk": BulkForm(organization_id=organization_id, item_ids=[], auto_id="bulk_%s"),
        "next": request.get_full_path(),
    })


@permission_required("inbox.view_inboxitem", raise_exception=True)
def mine(request: HttpRequest) -> HttpResponse:
    current_organization(request)
    items = selectors.items_for_user(request.user, include_done=True)  # type: ignore[arg-type]
    return _show(request, title="My inbox", view="mine", items=items)


@permission_required("inbox.view_inboxitem", raise_exception=True)
def pool_view(request: HttpRequest, key: str) -> HttpResponse:
    current_organization(request)
    pool = selectors.user_pools(request.user).filter(key=key).first()  # type: ignore[arg-type]
    if pool is None:
        raise Http404("No such pool, or you are not a member.")
    items = InboxItem.objects.filter(organization_id=pool.organization_id, assigned_pool=pool)
    return _show(request, title=pool.name, view=f"pool:{pool.key}", items=items, pool=pool)


@permission_required("inbox.view_all_inboxitem", raise_exception=True)
def all_open(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    return _show(request, title="All open items", view="all", items=InboxItem.objects.filter(organization=org))


@permission_required("inbox.view_inboxitem", raise_exception=True)
def count(request: HttpRequest) -> HttpResponse:
    """The nav badge, refreshed by htmx polling."""
    return render(request, "inbox/_count.html", {"inbox_count": selectors.open_count(request.user)})  # type: ignore[arg-type]


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/inbox/") and "//" not in target else "/inbox/"


@require_POST
@permission_required("inbox.change_inboxitem", raise_exception=True)
def bulk(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    current_organization(request)
    wanted = [int(v) for v in request.POST.getlist("items") if v.isdigit()]
    visible = [i for i in wanted if selectors.item_for_user(user, i) is not None]
    posted = request.POST.copy()
    posted.setlist("items", [str(i) for i in visible])  # what the user may not see is left out, silently
    form = BulkForm(posted, organization_id=user.organization_id, item_ids=visible)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join(problems))
        return redirect(_safe_next(request))
    data = form.cleaned_data
    actor = Actor.from_request(request)
    items = list(InboxItem.objects.filter(pk__in=data["items"], organization_id=user.organization_id))
    try:
        for item in items:
            if data["action"] == "status":
                item_update_status(actor=actor, item=item, status=data["status"])
            else:
                item_reassign(actor=actor, item=item, user=data["user"], pool=data["pool"], reason="bulk")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(_safe_next(request))
    if data["action"] == "status":
        label = dict(ItemStatus.choices)[data["status"]].lower()
        messages.success(request, f"Set {len(items)} item{'s' if len(items) != 1 else ''} to {label}.")
    else:
        to = " and ".join(str(x) for x in (data["user"] and data["user"].display_name, data["pool"]) if x)
        messages.success(request, f"Assigned {len(items)} item{'s' if len(items) != 1 else ''} to {to}.")
    return redirect(_safe_next(request))
