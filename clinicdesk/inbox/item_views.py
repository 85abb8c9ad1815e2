"""One inbox item: detail, status, comments, reassignment, attachments (downloads audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.inbox import selectors
from clinicdesk.inbox.attachments import attachment_add, attachment_open
from clinicdesk.inbox.forms import AssignForm, AttachmentForm, CommentForm, StatusForm
from clinicdesk.inbox.models import InboxAttachment, InboxItem, ItemStatus
from clinicdesk.inbox.services import item_comment, item_reassign, item_update_status
from clinicdesk.inbox.sources import source_url
from clinicdesk.web.forms import apply_validation_error, current_organization


def _item(request: HttpRequest, item_id: int) -> InboxItem:
    current_organization(request)
    item = selectors.item_for_user(request.user, item_id)  # type: ignore[arg-type]
    if item is None:
        raise Http404("No such item in your inbox.")
    return item


def _render(request: HttpRequest, item: InboxItem, **forms: Any) -> HttpResponse:
    organization_id = item.organization_id
    context = {
        "item": item, "comments": item.comments.select_related("author"),
        "attachments": item.attachments.all(), "source_url": source_url(item.source),
        "phone": getattr(item, "phone_message", None), "statuses": ItemStatus.choices,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "assign_form": forms.get("assign_form") or AssignForm(organization_id=organization_id, initial={
            "user": item.assigned_user_id, "pool": item.assigned_pool_id}),
        "attach_form": forms.get("attach_form") or AttachmentForm(),
    }
    return render(request, "inbox/detail.html", context, status=400 if forms else 200)


@permission_required("inbox.view_inboxitem", raise_exception=True)
def detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    audit_record(actor=Actor.from_request(request), action=Action.VIEW, object_type="inbox.InboxItem",
                 object_id=item.pk, patient_id=item.patient_id, organization_id=item.organization_id)
    return _render(request, item)


@require_POST
@permission_required("inbox.change_inboxitem", raise_exception=True)
def set_status(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the statuses.")
        return redirect("inbox:detail", item_id=item.pk)
    item = item_update_status(actor=Actor.from_request(request), item=item, status=form.cleaned_data["status"])
    messages.success(request, f"“{item.title}” is now {item.get_status_display().lower()}.")
    if item.status == ItemStatus.DONE and request.POST.get("next", "").startswith("/inbox/"):
        return redirect(request.POST["next"])
    return redirect("inbox:detail", item_id=item.pk)


@require_POST
@permission_required("inbox.change_inboxitem", raise_exception=True)
def comment(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            item_comment(actor=Actor.from_request(request), item=item, text=form.cleaned_data["text"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Comment added.")
            return redirect("inbox:detail", item_id=item.pk)
    return _render(request, item, comment_form=form)


@require_POST
@permission_required("inbox.change_inboxitem", raise_exception=True)
def reassign(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = AssignForm(request.POST, organization_id=item.organization_id)
    if form.is_valid():
        user, pool = form.cleaned_data["user"], form.cleaned_data["pool"]
        try:
            item = item_reassign(actor=Actor.from_request(request), item=item, user=user, pool=pool)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            to = " and ".join(str(x) for x in (user and user.display_name, pool) if x)
            messages.success(request, f"Assigned “{item.title}” to {to}.")
            if selectors.item_for_user(request.user, item.pk) is None:  # type: ignore[arg-type]
                return redirect("inbox:mine")
            return redirect("inbox:detail", item_id=item.pk)
    return _render(request, item, assign_form=form)


@require_POST
@permission_required("inbox.change_inboxitem", raise_exception=True)
def attach(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = attachment_add(actor=Actor.from_request(request), item=item,
                                        upload=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Attached {attachment.name}.")
            return redirect("inbox:detail", item_id=item.pk)
    return _render(request, item, attach_form=form)


@permission_required("inbox.view_inboxitem", raise_exception=True)
def download(request: HttpRequest, attachment_id: int) -> FileResponse:
    current_organization(request)
    attachment = get_object_or_404(InboxAttachment.objects.select_related("item"), pk=attachment_id)
    _item(request, attachment.item_id)  # same visibility as the item; 404 otherwise
    attachment_open(actor=Actor.from_request(request), attachment=attachment)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=attachment.content_type == "image/tiff", filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
