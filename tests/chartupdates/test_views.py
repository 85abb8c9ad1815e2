"""The review screen: accept or reject per field; organization scoping; permission checks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinicdesk.chartupdates.models import ProposalStatus
from clinicdesk.chartupdates.services import proposals_create
from tests.conftest import actor_for, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposals(frontdesk, patient):
    return proposals_create(actor=actor_for(frontdesk), patient=patient, source="intake", reference="r1",
                            changes={"city": "Peoria", "email": "new@example.org", "birth_date": "1975-13-01"})


def test_review_lists_pending_and_accept_reject_per_field(frontdesk, patient, proposals):
    client = client_for(frontdesk)
    page = client.get(reverse("chartupdates:review", args=[patient.pk]))
    assert page.status_code == 200 and b"Peoria" in page.content and b"new@example.org" in page.content
    city, email, dob = proposals
    client.post(reverse("chartupdates:decide", args=[city.pk, "accept"]))
    client.post(reverse("chartupdates:decide", args=[email.pk, "reject"]))
    answer = client.post(reverse("chartupdates:decide", args=[dob.pk, "accept"]), follow=True)
    assert answer.status_code == 200 and b"Birth date" in answer.content  # the reason, not a 500
    patient.refresh_from_db()
    assert patient.city == "Peoria" and patient.email == "chidi@example.org"
    city.refresh_from_db()
    email.refresh_from_db()
    dob.refresh_from_db()
    assert (city.status, email.status, dob.status) == (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED,
                                                        ProposalStatus.PENDING)


def test_outsider_cannot_see_or_decide(outsider, patient, proposals):
    client = client_for(outsider)
    assert client.get(reverse("chartupdates:review", args=[patient.pk])).status_code == 404
    assert client.post(reverse("chartupdates:decide", args=[proposals[0].pk, "accept"])).status_code == 404


def test_billing_cannot_decide(billing, patient, proposals):
    assert client_for(billing).post(reverse("chartupdates:decide", args=[proposals[0].pk, "accept"])).status_code == 403


def test_get_does_not_decide(frontdesk, proposals):
    answer = client_for(frontdesk).get(reverse("chartupdates:decide", args=[proposals[0].pk, "accept"]))
    assert answer.status_code == 405
