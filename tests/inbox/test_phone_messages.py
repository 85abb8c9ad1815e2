"""The phone message quick form: find the caller, take the message, route it, say where it went."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.inbox.models import InboxItem, PhoneMessage, Pool
from tests.conftest import client_for
from tests.inbox.inbox_fixtures import standard_pools

pytestmark = pytest.mark.django_db


@pytest.fixture
def pools(org: Any, frontdesk: Any, billing: Any, clinician: Any, practitioner: Any, patient: Any) -> dict[str, Pool]:
    return standard_pools(org, frontdesk=frontdesk, billing=billing, clinician=clinician,
                          practitioner=practitioner, patient=patient)


def test_the_caller_is_found_by_phone_number_and_the_search_is_audited(pools: Any, frontdesk: Any,
                                                                       patient: Any) -> None:
    response = client_for(frontdesk).get(reverse("inbox:callers"), {"q": "217-555-0142"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Okafor, Chidi" in page and f"pick={patient.pk}" in page
    assert AuditEvent.objects.filter(action="search_hit", patient_id=patient.pk, user_id=frontdesk.pk).exists()


def test_picking_a_caller_puts_the_patient_into_the_form(pools: Any, frontdesk: Any, patient: Any) -> None:
    page = client_for(frontdesk).get(reverse("inbox:callers"), {"pick": patient.pk}).content.decode()
    assert f'name="patient" value="{patient.pk}" form="phone-form"' in page
    assert 'id="caller-results" hx-swap-oob="true"' in page
    assert 'id="id_callback_number" value="(217) 555-0142" hx-swap-oob="true"' in page  # the number on file
    page = client_for(frontdesk).get(reverse("inbox:callers"), {"pick": patient.pk,
                                                                "callback_number": "217 555 0000"}).content.decode()
    assert "id_callback_number" not in page  # a number already typed is kept


def test_a_refill_request_from_a_patient_goes_to_their_practitioners_team(pools: Any, frontdesk: Any,
                                                                          patient: Any, org: Any) -> None:
    response = client_for(frontdesk).post(reverse("inbox:phone"), {
        "patient": patient.pk, "category": "refill_request", "message": "Out of lisinopril",
        "callback_number": "(217) 555-0199", "best_time": "after 3 pm", "priority": "urgent"}, follow=True)
    item = InboxItem.objects.get()
    assert (item.kind, item.category, item.patient, item.priority) == ("phone_message", "refill_request",
                                                                       patient, "urgent")
    assert item.assigned_pool == pools["team"]
    details = PhoneMessage.objects.get(item=item)
    assert (details.callback_number, details.best_time) == ("+12175550199", "after 3 pm")
    page = response.content.decode()
    assert "Phone message saved and sent to Dr. Lindqvist&#x27;s team." in page
    assert "(217) 555-0199" in page and "Out of lisinopril" in page


def test_a_caller_who_is_not_a_patient_is_fine(pools: Any, frontdesk: Any, billing: Any) -> None:
    client_for(frontdesk).post(reverse("inbox:phone"), {
        "caller_name": "Pat Newman", "category": "billing_question", "message": "Price of a physical?",
        "callback_number": "217 555 0100", "priority": "routine"})
    item = InboxItem.objects.get()
    assert item.patient is None and item.assigned_pool == pools["billing"]
    assert item.title == "Call from Pat Newman: billing question"
    assert "Pat Newman" in client_for(billing).get(reverse("inbox:mine")).content.decode()


def test_bad_input_gives_clear_form_errors_and_saves_nothing(pools: Any, frontdesk: Any) -> None:
    response = client_for(frontdesk).post(reverse("inbox:phone"), {
        "category": "refill_request", "message": "x", "callback_number": "12", "priority": "routine"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Pick the patient, or type the caller&#x27;s name." in page
    assert "is not a valid phone number" in page
    response = client_for(frontdesk).post(reverse("inbox:phone"), {"caller_name": "A", "priority": "routine"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not InboxItem.objects.exists()


def test_a_patient_of_another_practice_cannot_be_the_caller(pools: Any, outsider: Any, patient: Any) -> None:
    response = client_for(outsider).post(reverse("inbox:phone"), {
        "patient": patient.pk, "category": "other", "message": "hi", "priority": "routine"})
    assert response.status_code == 404
    assert not InboxItem.objects.exists()


def test_the_form_page_renders_with_a_preselected_caller(pools: Any, frontdesk: Any, patient: Any) -> None:
    page = client_for(frontdesk).get(reverse("inbox:phone"), {"patient": patient.pk}).content.decode()
    assert "Okafor" in page and 'name="category"' in page and "Urgency" in page
