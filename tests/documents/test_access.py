"""Who may reach documents, and the file view: the only way to a document's bytes, every use recorded."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from clinicdesk.audit.models import AuditEvent
from clinicdesk.documents.models import Document
from clinicdesk.documents.services import document_classify
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from clinicdesk.staff.roles import ROLE_PERMISSIONS, Role
from tests.conftest import actor_for, client_for, make_patient, make_user
from tests.documents.conftest import image_bytes, pdf_bytes, receive

pytestmark = pytest.mark.django_db


def file_url(document: Document, mode: str) -> str:
    return reverse("documents:file", kwargs={"document_id": document.pk, "mode": mode})


def document_urls(document: Document) -> list[str]:
    return [reverse("documents:classify", kwargs={"document_id": document.pk}),
            reverse("documents:patients", kwargs={"document_id": document.pk}) + "?q=okafor",
            file_url(document, "view"), file_url(document, "preview"), file_url(document, "download")]


def test_anonymous_users_are_sent_to_login(document: Document) -> None:
    for url in [reverse("documents:queue"), *document_urls(document)]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", [None, *Role.values])
def test_each_role_gets_exactly_what_its_permissions_allow(org: Organization, document: Document,
                                                            role: str | None) -> None:
    client = client_for(make_user(org, role))
    allowed = role is not None and "documents.change_document" in ROLE_PERMISSIONS[role]
    for url in [reverse("documents:queue"), *document_urls(document)]:
        assert client.get(url).status_code == (200 if allowed else 403), (role, url)


def test_a_refusal_is_audited(no_role_user: User, document: Document) -> None:
    client_for(no_role_user).get(file_url(document, "download"))
    event = AuditEvent.objects.filter(user_id=no_role_user.pk).latest("seq")
    assert (event.action, event.outcome, event.object_type, event.object_id) == (
        "denied", "denied", "documents.Document", str(document.pk))


def test_a_role_without_the_add_permission_cannot_upload(no_role_user: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(no_role_user).post(reverse("documents:queue"),
                                             {"upload": [SimpleUploadedFile("a.pdf", pdf_bytes())]})
    assert response.status_code == 403 and not Document.objects.exists()


def test_another_practice_gets_404_for_every_document_url(outsider: User, document: Document) -> None:
    client = client_for(outsider)
    for url in document_urls(document):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("documents:classify", kwargs={"document_id": document.pk}),
                           {"patient": "1", "doc_type": "other", "document_date": "11/02/2026"})
    assert response.status_code == 404


def test_another_practices_queue_does_not_show_our_documents(outsider: User, document: Document) -> None:
    page = client_for(outsider).get(reverse("documents:queue")).content.decode()
    assert "referral.pdf" not in page and "Waiting for classification (0)" in page


def test_a_patient_of_another_practice_cannot_be_chosen(frontdesk: User, document: Document,
                                                        other_org: Organization) -> None:
    stranger = make_patient(other_org, family_name="Okafor")
    client = client_for(frontdesk)
    url = reverse("documents:classify", kwargs={"document_id": document.pk})
    assert client.get(f"{url}?patient={stranger.pk}").status_code == 404
    response = client.post(url, {"patient": stranger.pk, "doc_type": "other", "document_date": "11/02/2026"})
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.patient is None


def test_garbage_parameters_are_not_errors(frontdesk: User, document: Document) -> None:
    client = client_for(frontdesk)
    url = reverse("documents:classify", kwargs={"document_id": document.pk})
    assert client.get(f"{url}?patient=abc").status_code == 404
    assert client.get(f"{url}?page=-3").status_code == 200
    assert client.get(file_url(document, "exe")).status_code == 404
    assert client.post(url, {"patient": "1", "doc_type": "other", "document_date": "x", "version": "y",
                             "route": "user:zz"}).status_code in (200, 404)


def test_viewing_the_file_inline_is_a_recorded_read(frontdesk: User, document: Document) -> None:
    response = client_for(frontdesk).get(file_url(document, "view"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == document.file.open("rb").read()
    assert response["Content-Disposition"] == f'inline; filename="document-{document.pk}.pdf"'
    # Framed only by our own screens; never run as a page; never cached.
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.filter(object_type="documents.Document", action="view").get()
    assert (event.user_id, event.detail) == (frontdesk.pk, {"mode": "view"})


def test_a_download_is_recorded_as_an_export_on_the_patients_trail(frontdesk: User, document: Document,
                                                                   patient: Patient) -> None:
    from datetime import date

    document_classify(actor=actor_for(frontdesk), document=document, patient=patient, doc_type="referral",
                      document_date=date(2026, 11, 2))
    response = client_for(frontdesk).get(file_url(document, "download"))
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.pk}.pdf"'
    event = AuditEvent.objects.filter(object_type="documents.Document", action="export").get()
    assert (event.patient_id, event.detail) == (patient.pk, {"mode": "download"})


def test_a_fax_tiff_is_previewed_page_by_page_as_png(frontdesk: User, org: Organization) -> None:
    fax = receive(frontdesk, org, "fax.tif", image_bytes("TIFF", pages=3), source="fax")
    client = client_for(frontdesk)
    response = client.get(file_url(fax, "preview") + "?page=2")
    assert response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as page:
        assert page.format == "PNG" and page.size == (64, 48)
    event = AuditEvent.objects.filter(object_type="documents.Document", action="view").latest("seq")
    assert event.detail == {"mode": "preview", "page": 2, "pages": 3}
    screen = client.get(reverse("documents:classify", kwargs={"document_id": fax.pk})).content.decode()
    assert "Page 1 of 3" in screen and f'src="{file_url(fax, "preview")}?page=1"' in screen
    # The original is still available as received.
    assert client.get(file_url(fax, "download"))["Content-Type"] == "image/tiff"


def test_a_png_preview_is_the_image_itself(frontdesk: User, org: Organization) -> None:
    scan = receive(frontdesk, org, "scan.png", image_bytes("PNG"))
    response = client_for(frontdesk).get(file_url(scan, "preview"))
    assert response["Content-Type"] == "image/png" and response.content == scan.file.open("rb").read()


def test_the_chart_section_is_hidden_from_roles_without_the_permission(org: Organization, patient: Patient,
                                                                       frontdesk: User) -> None:
    from clinicdesk.documents.chart import documents_section

    assert documents_section(patient, make_user(org, None)) is None
    section = documents_section(patient, frontdesk)
    assert section is not None and section.context == {"documents": [], "can_change": True}


def test_a_file_lost_from_storage_is_a_404_not_a_crash(frontdesk: User, document: Document) -> None:
    document.file.storage.delete(document.file.name)
    assert client_for(frontdesk).get(file_url(document, "view")).status_code == 404
