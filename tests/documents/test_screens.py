"""The queue with its upload form and the classification screen, through HTTP."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.documents.models import Document, DocumentStatus
from clinicdesk.inbox.models import InboxItem, Pool
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import client_for
from tests.documents.conftest import image_bytes, pdf_bytes, receive

pytestmark = pytest.mark.django_db
QUEUE = reverse("documents:queue")


def classify_url(document: Document, **query: object) -> str:
    url = reverse("documents:classify", kwargs={"document_id": document.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_several_files_uploaded_at_once_land_in_the_queue(frontdesk: User) -> None:
    response = client_for(frontdesk).post(QUEUE, {"upload": [
        SimpleUploadedFile("referral.pdf", pdf_bytes()), SimpleUploadedFile("card.jpg", image_bytes("JPEG")),
        SimpleUploadedFile("fax.tiff", image_bytes("TIFF", pages=2))]}, follow=True)
    page = response.content.decode()
    assert "Received 3 documents for classification: “referral.pdf”, “card.jpg”, “fax.tiff”." in page
    assert Document.objects.filter(status=DocumentStatus.UNCLASSIFIED).count() == 3
    assert "Waiting for classification (3)" in page


def test_a_refused_file_is_named_next_to_the_upload_field_and_the_rest_are_kept(frontdesk: User) -> None:
    response = client_for(frontdesk).post(QUEUE, {"upload": [
        SimpleUploadedFile("referral.pdf", pdf_bytes()),
        SimpleUploadedFile("invoice.pdf", b"PK\x03\x04" + b"\x00" * 64)]})
    assert response.status_code == 200
    page = response.content.decode()
    assert ("“invoice.pdf” is named as a PDF but its content is a ZIP archive or an Office document "
            "(Word, Excel). It was not accepted.") in page
    assert "Received 1 document for classification" in page
    assert list(Document.objects.values_list("original_name", flat=True)) == ["referral.pdf"]


def test_uploading_nothing_says_so(frontdesk: User) -> None:
    response = client_for(frontdesk).post(QUEUE, {})
    assert "Choose at least one file to upload." in response.content.decode()


def test_an_oversized_file_gets_a_clear_error(frontdesk: User, settings: object) -> None:
    settings.CLINICDESK_MAX_DOCUMENT_BYTES = 2 * 1048576  # type: ignore[attr-defined]
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1048576) + b"%%EOF")
    response = client_for(frontdesk).post(QUEUE, {"upload": [big]})
    assert "“scan.pdf” is 3.0 MB; the limit is 2.0 MB." in response.content.decode()
    assert not Document.objects.exists()


def test_the_nav_link_counts_unclassified_documents(frontdesk: User, org: Organization) -> None:
    receive(frontdesk, org)
    receive(frontdesk, org)
    page = client_for(frontdesk).get(reverse("patients:list")).content.decode()
    assert ">Documents <span class=\"badge badge-warn\">2<span class=\"visually-hidden\"> to classify" in page


def test_the_classification_screen_previews_through_the_audited_file_view(frontdesk: User,
                                                                         document: Document) -> None:
    page = client_for(frontdesk).get(classify_url(document)).content.decode()
    file_url = reverse("documents:file", kwargs={"document_id": document.pk, "mode": "view"})
    assert f'<iframe class="doc-frame" src="{file_url}"' in page
    assert 'id="patient-search"' in page and "autofocus" in page


def test_choosing_a_patient_from_the_live_search_then_filing_opens_the_next_document(
        frontdesk: User, org: Organization, document: Document, patient: Patient) -> None:
    following = receive(frontdesk, org, "second.pdf")
    client = client_for(frontdesk)
    choices = client.get(reverse("documents:patients", kwargs={"document_id": document.pk}), {"q": "okafor"},
                         HTTP_HX_REQUEST="true").content.decode()
    assert f'href="{classify_url(document, patient=patient.pk)}"' in choices
    chosen = client.get(classify_url(document, patient=patient.pk)).content.decode()
    assert patient.mrn in chosen
    response = client.post(classify_url(document), {"patient": patient.pk, "doc_type": "referral",
                                                    "document_date": "11/02/2026", "title": "",
                                                    "version": document.version})
    assert response.status_code == 302 and response["Location"] == classify_url(following)
    document.refresh_from_db()
    assert (document.status, document.patient_id, document.title) == ("filed", patient.pk, "Referral letter")


def test_filing_the_last_document_says_the_queue_is_empty(frontdesk: User, document: Document,
                                                          patient: Patient) -> None:
    response = client_for(frontdesk).post(classify_url(document), {
        "patient": patient.pk, "doc_type": "other", "document_date": "11/02/2026"}, follow=True)
    assert "The queue is empty: every document is filed." in response.content.decode()


def test_filing_without_a_patient_or_date_shows_errors_by_the_fields(frontdesk: User, document: Document) -> None:
    response = client_for(frontdesk).post(classify_url(document), {"doc_type": "", "document_date": "31/31/2026"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Find and choose the patient this document is about." in page
    assert "Type the date as MM/DD/YYYY" in page
    assert "Select a valid choice" not in page and "This field is required." in page


def test_routing_on_the_screen_reassigns_the_inbox_item(frontdesk: User, clinician: User, document: Document,
                                                        patient: Patient, practitioner: Practitioner) -> None:
    practitioner.user = clinician
    practitioner.save()
    client = client_for(frontdesk)
    assert f'<option value="user:{clinician.pk}">{practitioner.display_name}</option>' in client.get(
        classify_url(document)).content.decode()
    client.post(classify_url(document), {"patient": patient.pk, "doc_type": "lab_report",
                                         "document_date": "11/02/2026", "route": f"user:{clinician.pk}"})
    assert InboxItem.objects.get(pk=document.inbox_item_id).assigned_user == clinician


def test_refiling_on_the_screen_needs_a_reason_and_then_shows_the_history(
        frontdesk: User, org: Organization, document: Document, patient: Patient) -> None:
    from tests.conftest import make_patient

    client = client_for(frontdesk)
    client.post(classify_url(document), {"patient": patient.pk, "doc_type": "lab_report",
                                         "document_date": "11/02/2026"})
    right = make_patient(org, family_name="Okafor", given_name="Chika")
    form = {"patient": right.pk, "doc_type": "lab_report", "document_date": "11/02/2026", "version": 2}
    refused = client.post(classify_url(document), form).content.decode()
    assert "Say why you are changing it." in refused
    done = client.post(classify_url(document), {**form, "reason": "Wrong patient"})
    assert done["Location"] == reverse("patients:chart", kwargs={"patient_id": right.pk})
    page = client.get(classify_url(document)).content.decode()
    assert "Filing history" in page and f"moved from {patient.display_name}" in page and "Wrong patient" in page


def test_the_chart_lists_filed_documents_with_audited_links(frontdesk: User, document: Document,
                                                            patient: Patient) -> None:
    client = client_for(frontdesk)
    client.post(classify_url(document), {"patient": patient.pk, "doc_type": "imaging_report",
                                         "document_date": "10/30/2026", "title": "Chest X-ray"})
    page = client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert "Documents (1)" in page and "Chest X-ray" in page and "Imaging report" in page
    assert reverse("documents:file", kwargs={"document_id": document.pk, "mode": "download"}) in page


def test_a_pool_is_offered_as_a_review_destination(frontdesk: User, org: Organization, document: Document) -> None:
    nurses = Pool.objects.create(organization=org, key="nurses", name="Nurses")
    page = client_for(frontdesk).get(classify_url(document)).content.decode()
    assert f'<option value="pool:{nurses.pk}">Nurses</option>' in page


def test_viewing_the_classification_screen_is_audited(frontdesk: User, document: Document) -> None:
    client_for(frontdesk).get(classify_url(document))
    event = AuditEvent.objects.filter(object_type="documents.Document", action="view").get()
    assert (event.user_id, event.object_id, event.detail) == (frontdesk.pk, str(document.pk),
                                                              {"purpose": "classification"})
