"""The documents screens: the unclassified queue with the upload form, the classification screen, and the
files themselves — served only through ``document_file``, which checks and audits every view and download."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from clinicdesk.audit.models import Action, Outcome
from clinicdesk.audit.services import Actor, Entry, audit_record, audit_record_many
from clinicdesk.documents import selectors
from clinicdesk.documents.forms import ClassifyForm, UploadForm
from clinicdesk.documents.models import Document, DocumentStatus
from clinicdesk.documents.services import (
    OBJECT_TYPE,
    document_classify,
    document_discard,
    document_restore,
    document_upload,
)
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient
from clinicdesk.patients.search import parse
from clinicdesk.web.forms import apply_validation_error, current_organization

logger = logging.getLogger(__name__)

# The file itself may only be framed by our own pages (the classification preview), and runs nothing.
FILE_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"


def authorize(request: HttpRequest, perm: str, object_id: object = "") -> Actor:
    """The actor, when their role allows ``perm``; otherwise the refusal is audited and a 403 raised."""
    actor = Actor.from_request(request)
    current_organization(request)
    if actor.user is None or not actor.user.has_perm(perm):
        audit_record(actor=actor, action=Action.DENIED, object_type=OBJECT_TYPE, object_id=object_id,
                     outcome=Outcome.DENIED, detail={"permission": perm})
        raise PermissionDenied(f"Your role does not allow this ({perm}).")
    return actor


def _document(actor: Actor, document_id: int) -> Document:
    assert actor.organization_id is not None  # authorize() refused staff without a practice
    document = (Document.objects.select_related("organization", "patient", "inbox_item")
                .filter(pk=document_id, organization_id=actor.organization_id).first())
    if document is None:
        raise Http404("No such document in this practice.")
    return document


def queue(request: HttpRequest) -> HttpResponse:
    perm = "documents.add_document" if request.method == "POST" else "documents.view_document"
    actor = authorize(request, perm)
    organization = current_organization(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        received, refused = document_upload(actor=actor, organization=organization,
                                            files=form.cleaned_data["upload"])
        if received:
            names = ", ".join(f"“{d.original_name or d.pk}”" for d in received)
            messages.success(request, f"Received {len(received)} document{'s' if len(received) > 1 else ''} "
                                      f"for classification: {names}.")
        if not refused:
            return redirect("documents:queue")
        for problem in refused:
            form.add_error("upload", problem)
    filed = selectors.recently_filed(organization.pk)
    # Listing names on the filed list is a read of patient data: one audit event per patient shown.
    audit_record_many(actor=actor, entries=[
        Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(pid), patient_id=pid,
              detail={"list": "documents filed"}) for pid in {d.patient_id for d in filed if d.patient_id}])
    return render(request, "documents/queue.html", {
        "form": form, "queue": list(selectors.unclassified(organization.pk)), "filed": filed,
        "discarded": selectors.recently_discarded(organization.pk)})


def classify(request: HttpRequest, document_id: int) -> HttpResponse:
    perm = "documents.change_document" if request.method == "POST" else "documents.view_document"
    actor = authorize(request, perm, object_id=document_id)
    document = _document(actor, document_id)
    form = ClassifyForm(request.POST if request.method == "POST" else None, organization_id=document.organization_id,
                        initial=_initial(document))
    patient = _chosen_patient(request, actor, document)
    if patient is not None:
        form.fields["doc_type"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid() and patient is not None:
        user, pool = form.destination()
        data = form.cleaned_data
        refiling = document.status == DocumentStatus.FILED
        try:
            document = document_classify(
                actor=actor, document=document, patient=patient, doc_type=data["doc_type"],
                document_date=data["document_date"], title=data["title"], reason=data["reason"],
                route_user=user, route_pool=pool, expected_version=data["version"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return _after_filing(request, document, refiling, user or pool)
    audit_record(actor=actor, action=Action.VIEW, object_type=OBJECT_TYPE, object_id=document.pk,
                 patient_id=document.patient_id, detail={"purpose": "classification"})
    return render(request, "documents/classify.html", {
        "document": document, "form": form, "patient": patient, "history": selectors.history(document),
        "queue_size": selectors.unclassified_count(document.organization_id), "page": _page(request)})


def _initial(document: Document) -> dict[str, object]:
    return {"patient": document.patient_id, "doc_type": document.doc_type, "document_date": document.document_date,
            "title": document.title, "version": document.version}


def _chosen_patient(request: HttpRequest, actor: Actor, document: Document) -> Patient | None:
    """The patient picked on this screen (POST, or ?patient= from the search), else the one it is filed to."""
    raw = request.POST.get("patient") if request.method == "POST" else request.GET.get("patient")
    if raw and raw.isdigit():
        return access.access_patient(actor=actor, patient_id=int(raw), purpose="document classification")
    if raw:
        raise Http404("No such patient.")
    if document.patient_id and request.method != "POST":
        return access.access_patient(actor=actor, patient_id=document.patient_id, purpose="document")
    return None


def _after_filing(request: HttpRequest, document: Document, refiling: bool, sent_to: object) -> HttpResponse:
    patient = document.patient
    assert patient is not None
    sent = f" Sent to {sent_to} for review." if sent_to else ""
    verb = "Re-filed" if refiling else "Filed"
    messages.success(request, f"{verb} “{document.title}” ({document.get_doc_type_display()}, "
                              f"{document.document_date:%m/%d/%Y}) to {patient.display_name}, MRN {patient.mrn}.{sent}")
    if refiling:
        return redirect("patients:chart", patient_id=patient.pk)
    following = selectors.next_unclassified(document.organization_id, after=document)
    if following is None:
        messages.info(request, "The queue is empty: every document is filed.")
        return redirect("documents:queue")
    return redirect("documents:classify", document_id=following.pk)


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(1, min(int(raw), 9999)) if raw.isdigit() else 1


@require_POST
def discard(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = authorize(request, "documents.change_document", object_id=document_id)
    document = _document(actor, document_id)
    try:
        document_discard(actor=actor, document=document, reason=request.POST.get("discard_reason", "")[:200])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("documents:classify", document_id=document.pk)
    messages.success(request, f"Set aside “{document.original_name or document.pk}” as not for a patient. "
                              "It can be put back from the documents page.")
    following = selectors.next_unclassified(document.organization_id, after=document)
    return redirect("documents:classify", document_id=following.pk) if following else redirect("documents:queue")


@require_POST
def restore(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = authorize(request, "documents.change_document", object_id=document_id)
    document = _document(actor, document_id)
    try:
        document_restore(actor=actor, document=document)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Put “{document.original_name or document.pk}” back in the queue.")
    return redirect("documents:queue")


@require_GET
def patient_choices(request: HttpRequest, document_id: int) -> HttpResponse:
    actor = authorize(request, "documents.change_document", object_id=document_id)
    document = _document(actor, document_id)
    query = request.GET.get("q", "").strip()[:200]
    terms = parse(query)
    result = access.access_patient_search(actor=actor, terms=terms, limit=15) if query else None
    return render(request, "documents/_patient_choices.html", {
        "query": query, "result": result, "problems": terms.problems, "document": document})


@require_GET
@xframe_options_sameorigin
def document_file(request: HttpRequest, document_id: int, mode: str) -> HttpResponse:
    """The document's bytes: ``view`` (inline, as received), ``preview`` (what a browser can show: TIFF pages
    as PNG) or ``download`` (an attachment). Every one is a recorded read; downloads are exports."""
    if mode not in ("view", "preview", "download"):
        raise Http404("No such view of a document.")
    actor = authorize(request, "documents.view_document", object_id=document_id)
    document = _document(actor, document_id)
    content_type = document.content_type
    try:
        with document.file.open("rb") as stored:
            body = stored.read()
    except OSError as exc:  # the storage lost it: say so, never a 500
        logger.error("document %s: stored file %r cannot be read", document.pk, document.file.name, exc_info=True)
        raise Http404("The stored file of this document cannot be found; tell the practice administrator.") from exc
    detail: dict[str, object] = {"mode": mode}
    if mode == "preview" and content_type == "image/tiff":
        from clinicdesk.documents.preview import tiff_page_png

        page = _page(request)
        body, pages = tiff_page_png(body, page - 1)
        content_type, detail = "image/png", {**detail, "page": min(page, pages), "pages": pages}
    audit_record(actor=actor, action=Action.EXPORT if mode == "download" else Action.VIEW, object_type=OBJECT_TYPE,
                 object_id=document.pk, patient_id=document.patient_id, detail=detail)
    response = HttpResponse(body, content_type=content_type)
    disposition = "attachment" if mode == "download" else "inline"
    extension = document.file.name.rsplit(".", 1)[-1] if mode != "preview" or content_type != "image/png" else "png"
    response["Content-Disposition"] = f'{disposition}; filename="document-{document.pk}.{extension}"'
    response["Content-Security-Policy"] = FILE_CSP
    return response


def file_url(document: Document, mode: str) -> str:
    return reverse("documents:file", kwargs={"document_id": document.pk, "mode": mode})
