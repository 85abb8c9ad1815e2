"""Reads for documents. Showing one to a person is audited in the views (``access``-style helpers there)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from clinicdesk.documents.models import Classification, Document, DocumentStatus
from clinicdesk.inbox.models import Pool
from clinicdesk.patients.models import Patient
from clinicdesk.staff.models import Practitioner


def unclassified(organization_id: int) -> QuerySet[Document]:
    """The queue, oldest first: the first to arrive is the first to be filed."""
    return (Document.objects.filter(organization_id=organization_id, status=DocumentStatus.UNCLASSIFIED)
            .select_related("received_by").order_by("received_at", "pk"))


def unclassified_count(organization_id: int) -> int:
    return Document.objects.filter(organization_id=organization_id, status=DocumentStatus.UNCLASSIFIED).count()


def recently_filed(organization_id: int, limit: int = 25) -> list[Document]:
    return list(Document.objects.filter(organization_id=organization_id, status=DocumentStatus.FILED)
                .select_related("patient").order_by("-pk")[:limit])


def recently_discarded(organization_id: int, limit: int = 10) -> list[Document]:
    return list(Document.objects.filter(organization_id=organization_id, status=DocumentStatus.DISCARDED)
                .select_related("discarded_by").order_by("-discarded_at", "-pk")[:limit])


def next_unclassified(organization_id: int, after: Document | None = None) -> Document | None:
    queue = unclassified(organization_id)
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.first()


def patient_documents(patient: Patient) -> list[Document]:
    """A patient's filed documents, newest document date first, then by type."""
    return list(Document.objects.filter(patient=patient, status=DocumentStatus.FILED)
                .order_by("-document_date", "doc_type", "-pk"))


def history(document: Document) -> list[Classification]:
    return list(document.classifications.select_related("patient", "previous_patient", "by"))


@dataclass(frozen=True)
class Destination:
    value: str  # "pool:<id>" or "user:<id>"
    label: str


def destinations(organization_id: int) -> tuple[list[Destination], list[Destination]]:
    """Where a filed document may be sent for review: the practice's pools, and practitioners who log in."""
    pools = [Destination(f"pool:{p.pk}", p.name) for p in Pool.objects.filter(organization_id=organization_id)]
    people = [Destination(f"user:{p.user_id}", p.display_name) for p in
              Practitioner.objects.filter(organization_id=organization_id, active=True, user__isnull=False,
                                          user__is_active=True).order_by("family_name", "given_name")]
    return pools, people
