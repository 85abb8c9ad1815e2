"""document_classify: filing on a chart, routing for review, and re-filing that keeps history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import AuditEvent
from clinicdesk.documents.models import Classification, Document, DocumentStatus
from clinicdesk.documents.selectors import patient_documents
from clinicdesk.documents.services import document_classify
from clinicdesk.inbox.models import InboxItem, Pool
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import actor_for, make_patient

pytestmark = pytest.mark.django_db
LETTER_DATE = date(2026, 11, 2)


def file(user: User, document: Document, patient: Patient, **extra: object) -> Document:
    fields: dict[str, object] = {"doc_type": "lab_report", "document_date": LETTER_DATE, "title": ""}
    fields.update(extra)
    return document_classify(actor=actor_for(user), document=document, patient=patient, **fields)  # type: ignore[arg-type]


def test_filing_puts_the_document_on_the_patients_chart(frontdesk: User, document: Document,
                                                        patient: Patient) -> None:
    filed = file(frontdesk, document, patient, title="CBC panel")
    assert (filed.status, filed.patient, filed.doc_type, filed.title) == (
        DocumentStatus.FILED, patient, "lab_report", "CBC panel")
    assert patient_documents(patient) == [filed]


def test_an_empty_title_becomes_the_document_type(frontdesk: User, document: Document, patient: Patient) -> None:
    assert file(frontdesk, document, patient, doc_type="consent").title == "Consent form"


def test_filing_without_routing_closes_the_inbox_item_with_a_note(frontdesk: User, document: Document,
                                                                  patient: Patient) -> None:
    file(frontdesk, document, patient)
    item = InboxItem.objects.get(pk=document.inbox_item_id)
    assert item.status == "done" and item.patient == patient  # the inbox item now says whom it was about
    assert item.comments.get().text == (f"Filed to {patient.display_name} ({patient.mrn}) as Lab report, "
                                        f"dated 11/02/2026: “Lab report”.")


def test_filing_can_send_the_item_to_a_practitioner_for_review(frontdesk: User, clinician: User, org: Organization,
                                                               document: Document, patient: Patient,
                                                               practitioner: Practitioner) -> None:
    practitioner.user = clinician
    practitioner.save()
    file(frontdesk, document, patient, route_user=clinician)
    item = InboxItem.objects.get(pk=document.inbox_item_id)
    assert (item.assigned_user, item.assigned_pool, item.status) == (clinician, None, "new")


def test_filing_can_send_the_item_to_a_pool(frontdesk: User, org: Organization, document: Document,
                                            patient: Patient) -> None:
    nurses = Pool.objects.create(organization=org, key="nurses", name="Nurses")
    file(frontdesk, document, patient, route_pool=nurses)
    assert InboxItem.objects.get(pk=document.inbox_item_id).assigned_pool == nurses


def test_filing_is_audited_on_the_patients_trail(frontdesk: User, document: Document, patient: Patient) -> None:
    file(frontdesk, document, patient)
    event = AuditEvent.objects.filter(object_type="documents.Document", action="update").get()
    assert (event.patient_id, event.detail["classified"], event.detail["doc_type"]) == (
        patient.pk, "filed", "lab_report")


def test_refiling_needs_a_reason(frontdesk: User, document: Document, patient: Patient, org: Organization) -> None:
    file(frontdesk, document, patient)
    other = make_patient(org, family_name="Okafor", given_name="Chika")
    with pytest.raises(ValidationError) as refused:
        file(frontdesk, document, other)
    assert refused.value.message_dict == {
        "reason": ["This document is already filed. Say why you are changing it."]}
    document.refresh_from_db()
    assert document.patient == patient


def test_moving_to_another_patient_keeps_history_and_tells_both_patients_trails(
        frontdesk: User, document: Document, patient: Patient, org: Organization) -> None:
    file(frontdesk, document, patient)
    right = make_patient(org, family_name="Okafor", given_name="Chika")
    moved = file(frontdesk, document, right, reason="Wrong patient: same surname, different DOB")
    assert moved.patient == right and moved.version == 3
    assert patient_documents(patient) == [] and patient_documents(right) == [moved]
    history = list(Classification.objects.filter(document=document).order_by("pk"))
    assert [(c.patient, c.previous_patient, c.reason) for c in history] == [
        (patient, None, ""), (right, patient, "Wrong patient: same surname, different DOB")]
    events = AuditEvent.objects.filter(object_type="documents.Document", action="update").order_by("seq")
    assert [(e.patient_id, e.detail.get("classified"), e.detail.get("removed_from_chart")) for e in events] == [
        (patient.pk, "filed", None), (right.pk, "refiled", None), (patient.pk, None, True)]
    item = InboxItem.objects.get(pk=document.inbox_item_id)
    assert item.patient == right
    comment = item.comments.order_by("pk").last()
    assert comment is not None and comment.text.startswith("Re-filed (moved from another patient).")


def test_a_stale_screen_cannot_overwrite_a_filing_made_meanwhile(frontdesk: User, document: Document,
                                                                 patient: Patient) -> None:
    seen = document.version
    file(frontdesk, document, patient)
    with pytest.raises(ValidationError, match="Someone else changed this document"):
        file(frontdesk, document, patient, reason="x", expected_version=seen)


def test_a_patient_of_another_practice_is_refused(frontdesk: User, document: Document,
                                                  other_org: Organization) -> None:
    stranger = make_patient(other_org)
    with pytest.raises(ValidationError) as refused:
        file(frontdesk, document, stranger)
    assert "patient" in refused.value.message_dict


def test_a_future_document_date_is_refused(frontdesk: User, document: Document, patient: Patient) -> None:
    with pytest.raises(ValidationError, match="in the future"):
        file(frontdesk, document, patient, document_date=date.today() + timedelta(days=3))


def test_an_unknown_document_type_is_refused(frontdesk: User, document: Document, patient: Patient) -> None:
    with pytest.raises(ValidationError, match="Choose a document type"):
        file(frontdesk, document, patient, doc_type="recipe")


def test_routing_to_someone_of_another_practice_is_refused(frontdesk: User, document: Document, patient: Patient,
                                                           outsider: User) -> None:
    with pytest.raises(ValidationError, match="someone in this practice"):
        file(frontdesk, document, patient, route_user=outsider)


def test_the_chart_lists_by_document_date_newest_first_then_type(frontdesk: User, org: Organization,
                                                                  patient: Patient) -> None:
    from tests.documents.conftest import receive

    older = file(frontdesk, receive(frontdesk, org), patient, document_date=date(2025, 1, 5))
    newer_lab = file(frontdesk, receive(frontdesk, org), patient, doc_type="lab_report")
    newer_consult = file(frontdesk, receive(frontdesk, org), patient, doc_type="consult_note")
    assert patient_documents(patient) == [newer_consult, newer_lab, older]
