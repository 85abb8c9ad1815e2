"""Setting junk aside (never deleting it) and putting it back."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.documents.models import Document, DocumentStatus
from clinicdesk.documents.selectors import unclassified_count
from clinicdesk.documents.services import document_classify, document_discard, document_restore
from clinicdesk.inbox.models import InboxItem
from clinicdesk.patients.models import Patient
from clinicdesk.staff.models import User
from tests.conftest import actor_for, client_for

pytestmark = pytest.mark.django_db


def test_a_set_aside_document_leaves_the_queue_with_its_reason_and_closes_the_item(frontdesk: User,
                                                                                  document: Document) -> None:
    document_discard(actor=actor_for(frontdesk), document=document, reason="Misdialled fax")
    document.refresh_from_db()
    assert (document.status, document.discard_reason, document.discarded_by) == (
        DocumentStatus.DISCARDED, "Misdialled fax", frontdesk)
    assert unclassified_count(document.organization_id) == 0
    assert InboxItem.objects.get(pk=document.inbox_item_id).status == "done"
    event = AuditEvent.objects.filter(object_type="documents.Document", action="update").get()
    assert event.detail == {"discarded": "Misdialled fax"}


def test_setting_aside_needs_a_reason(frontdesk: User, document: Document) -> None:
    with pytest.raises(ValidationError, match="Say why"):
        document_discard(actor=actor_for(frontdesk), document=document, reason="  ")


def test_a_filed_document_cannot_be_set_aside(frontdesk: User, document: Document, patient: Patient) -> None:
    document_classify(actor=actor_for(frontdesk), document=document, patient=patient, doc_type="other",
                      document_date=date(2026, 11, 2))
    with pytest.raises(ValidationError, match="Only a document waiting"):
        document_discard(actor=actor_for(frontdesk), document=document, reason="oops")


def test_a_set_aside_document_cannot_be_filed_until_put_back(frontdesk: User, document: Document,
                                                             patient: Patient) -> None:
    actor = actor_for(frontdesk)
    document_discard(actor=actor, document=document, reason="Advertisement")
    with pytest.raises(ValidationError, match="Put it back in the queue first"):
        document_classify(actor=actor, document=document, patient=patient, doc_type="other",
                          document_date=date(2026, 11, 2))
    document_restore(actor=actor, document=document)
    document.refresh_from_db()
    assert document.status == DocumentStatus.UNCLASSIFIED
    assert InboxItem.objects.get(pk=document.inbox_item_id).status == "new"


def test_setting_aside_and_putting_back_through_the_screens(frontdesk: User, document: Document) -> None:
    client = client_for(frontdesk)
    screen = client.get(reverse("documents:classify", kwargs={"document_id": document.pk})).content.decode()
    assert "Not for any patient?" in screen
    response = client.post(reverse("documents:discard", kwargs={"document_id": document.pk}),
                           {"discard_reason": "Misdialled fax"}, follow=True)
    page = response.content.decode()
    assert "Set aside “referral.pdf” as not for a patient." in page and "Misdialled fax" in page
    client.post(reverse("documents:restore", kwargs={"document_id": document.pk}))
    document.refresh_from_db()
    assert document.status == DocumentStatus.UNCLASSIFIED


def test_setting_aside_without_a_reason_on_the_screen_says_so(frontdesk: User, document: Document) -> None:
    response = client_for(frontdesk).post(reverse("documents:discard", kwargs={"document_id": document.pk}),
                                          {"discard_reason": ""}, follow=True)
    assert "Say why this document is not for a patient." in response.content.decode()


def test_only_roles_that_change_documents_may_set_aside_and_other_practices_get_404(
        no_role_user: User, outsider: User, document: Document) -> None:
    url = reverse("documents:discard", kwargs={"document_id": document.pk})
    assert client_for(no_role_user).post(url, {"discard_reason": "x"}).status_code == 403
    assert client_for(outsider).post(url, {"discard_reason": "x"}).status_code == 404
    assert client_for(outsider).post(reverse("documents:restore", kwargs={"document_id": document.pk})
                                     ).status_code == 404
    document.refresh_from_db()
    assert document.status == DocumentStatus.UNCLASSIFIED
