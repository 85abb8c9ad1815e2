"""Board, check-in and check-out screens through the test client: permissions, practice scoping, polling."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.frontdesk.models import Visit
from clinicdesk.frontdesk.services import visit_check_in
from clinicdesk.scheduling.models import Appointment, Status
from tests.conftest import actor_for, client_for, make_patient
from tests.frontdesk.conftest import appointment_today, today_at

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_the_board_lists_today_and_only_front_desk_work_roles_open_it(clinic: Any, patient: Any, frontdesk: Any,
                                                                       billing: Any, clinician: Any) -> None:
    appointment_today(clinic, patient)
    response = client_for(frontdesk).get(reverse("frontdesk:board"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Okafor, Chidi" in page and "Expected" in page and 'hx-trigger="every 5s"' in page
    assert client_for(billing).get(reverse("frontdesk:board")).status_code == 403
    assert client_for(clinician).get(reverse("frontdesk:board")).status_code == 403


def test_a_poll_with_nothing_new_is_204_and_audits_nobody_again(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    client = client_for(frontdesk)
    page = client.get(reverse("frontdesk:board")).content.decode()
    shown = AuditEvent.objects.filter(user_id=frontdesk.pk, patient_id=patient.pk, action="search_hit")
    assert shown.count() == 1
    poll_url = page.split('id="board" class="fd-wrap" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert client.get(poll_url, **HX).status_code == 204
    newcomer = make_patient(clinic.org, family_name="Newcomer")
    appointment_today(clinic, newcomer)
    fragment = client.get(poll_url, **HX)
    assert fragment.status_code == 200
    assert "Newcomer" in fragment.content.decode() and "<html" not in fragment.content.decode()
    assert shown.count() == 1  # the patient already shown is not audited again by the poll
    assert AuditEvent.objects.filter(user_id=frontdesk.pk, patient_id=newcomer.pk, action="search_hit").count() == 1
    visit_check_in(actor=actor_for(frontdesk), appointment=appt)
    assert "waiting 0 min" in client.get(poll_url, **HX).content.decode()


def test_the_board_page_costs_a_constant_number_of_queries(clinic: Any, org: Any, frontdesk: Any, rooms: Any) -> None:
    patients = [make_patient(org, family_name=f"Bulk{i}") for i in range(20)]
    start = today_at(0)

    def add(n: int) -> None:
        Appointment.objects.bulk_create(
            Appointment(organization=org, patient=patients[i % 20], practitioner=clinic.practitioner,
                        location=clinic.location, appointment_type=clinic.follow_up, start=start,
                        end=start + timedelta(minutes=20), status=Status.ARRIVED if i % 2 else Status.BOOKED)
            for i in range(n))

    client = client_for(frontdesk)
    add(10)
    client.get(reverse("frontdesk:board"))  # sessions, permissions and audit chain warmed up
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("frontdesk:board")).status_code == 200
    add(290)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("frontdesk:board"))
    assert response.content.decode().count('class="fd-card') == 300
    assert len(many) <= len(few) + 2, [q["sql"][:100] for q in many]


def test_moves_on_the_board_answer_with_the_fresh_fragment(clinic: Any, patient: Any, frontdesk: Any,
                                                            rooms: Any) -> None:
    appt = appointment_today(clinic, patient)
    client = client_for(frontdesk)
    url = reverse("frontdesk:step", kwargs={"appointment_id": appt.pk})
    refused = client.post(url, {"step": "room", "room": rooms[0].pk}, **HX)
    assert refused.status_code == 200 and "Check the patient in before rooming them" in refused.content.decode()
    visit_check_in(actor=actor_for(frontdesk), appointment=appt)
    moved = client.post(url, {"step": "room", "room": rooms[0].pk}, **HX).content.decode()
    assert "to Exam 1" in moved and "With practitioner" in moved
    assert client.post(url, {"step": "with_practitioner"}).status_code == 302  # without htmx: back to the board
    appt.refresh_from_db()
    assert appt.status == Status.IN_ROOM and Visit.objects.get(appointment=appt).stage == "with_practitioner"
    assert client.post(url, {"step": "room", "room": "nope"}, **HX).status_code == 200
    assert client.get(url).status_code == 405


def test_another_practice_gets_404_everywhere(clinic: Any, patient: Any, outsider: Any, rooms: Any) -> None:
    appt = appointment_today(clinic, patient)
    client = client_for(outsider)
    for name in ("check_in", "check_out", "face_sheet", "summary"):
        assert client.get(reverse(f"frontdesk:{name}", kwargs={"appointment_id": appt.pk})).status_code == 404
    url = reverse("frontdesk:step", kwargs={"appointment_id": appt.pk})
    assert client.post(url, {"step": "no_show"}).status_code == 404
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED


def test_check_in_screen_shows_coverage_cards_forms_and_consents(clinic: Any, patient: Any, coverage: Any,
                                                                 frontdesk: Any, media_root: Any) -> None:
    coverage.card_front = SimpleUploadedFile("front.png", b"\x89PNG fake", content_type="image/png")
    coverage.save()
    appt = appointment_today(clinic, patient)
    page = client_for(frontdesk).get(reverse("frontdesk:check_in", kwargs={"appointment_id": appt.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    card_url = reverse("insurance:coverage_card", kwargs={"patient_id": patient.pk, "coverage_id": coverage.pk,
                                                          "side": "front"})
    assert f'src="{card_url}"' in html and "no card images" not in html
    assert "Prairie Health Plan" in html and 'value="25.00"' in html  # copay due from the coverage
    assert "All forms complete" in html or "Forms: not tracked yet" in html
    assert "May text (SMS)" in html and "Mark arrived" in html
    assert AuditEvent.objects.filter(user_id=frontdesk.pk, patient_id=patient.pk, action="view",
                                     detail__purpose="check-in").exists()


def test_check_in_form_errors_are_shown_not_raised(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    url = reverse("frontdesk:check_in", kwargs={"appointment_id": appt.pk})
    client = client_for(frontdesk)
    bad = client.post(url, {"copay_due": "abc", "copay_collected": "-3", "arrive": "1"})
    assert bad.status_code == 400 and "Enter a number" in bad.content.decode()
    unpaid = client.post(url, {"copay_due": "20", "copay_collected": "20", "arrive": "1"})
    assert unpaid.status_code == 400 and "Say how the copay was paid" in unpaid.content.decode()
    ok = client.post(url, {"copay_due": "20", "copay_collected": "20", "payment_method": "cash", "arrive": "1",
                           "identity_confirmed": "on", "consent_to_treat": "on"})
    assert ok.status_code == 302
    appt.refresh_from_db()
    visit = Visit.objects.get(appointment=appt)
    assert appt.status == Status.ARRIVED and visit.copay_collected == Decimal("20.00") and visit.consent_to_treat


def test_check_out_records_payment_and_opens_find_available_for_the_follow_up(clinic: Any, patient: Any,
                                                                             frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    visit_check_in(actor=actor_for(frontdesk), appointment=appt, payment={"copay_due": Decimal("25")})
    client = client_for(frontdesk)
    url = reverse("frontdesk:check_out", kwargs={"appointment_id": appt.pk})
    assert "No follow-up booked yet" in client.get(url).content.decode()
    response = client.post(url, {"collected_now": "25", "payment_method": "card", "follow_up_weeks": "2"})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.status == Status.COMPLETED
    assert Visit.objects.get(appointment=appt).copay_collected == Decimal("25.00")
    jump = client.post(reverse("frontdesk:follow_up", kwargs={"appointment_id": appt.pk}), {"weeks": "2"})
    earliest = (today_at().date() + timedelta(weeks=2)).strftime("%m/%d/%Y")
    assert jump.status_code == 302 and jump["Location"].startswith(reverse("schedule:book"))
    for part in (f"practitioner={clinic.practitioner.pk}", f"patient={patient.pk}",
                 f"appointment_type={clinic.follow_up.pk}", "earliest=" + earliest.replace("/", "%2F")):
        assert part in jump["Location"]
    assert client.get(jump["Location"]).status_code == 200
    bad = client.post(reverse("frontdesk:follow_up", kwargs={"appointment_id": appt.pk}), {"weeks": "x"})
    assert bad.status_code == 302 and bad["Location"] == url


def test_patient_search_leads_to_check_in_and_walk_in(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    html = client_for(frontdesk).get(reverse("frontdesk:find"), {"q": "okafor"}).content.decode()
    assert reverse("frontdesk:check_in", kwargs={"appointment_id": appt.pk}) in html
    assert f"{reverse('frontdesk:walkin_new')}?patient={patient.pk}" in html
    assert "No patient found" in client_for(frontdesk).get(reverse("frontdesk:find"), {"q": "zzyzx"}).content.decode()


def test_check_in_lists_the_intake_forms_still_missing(clinic: Any, patient: Any, frontdesk: Any) -> None:
    intake = pytest.importorskip("clinicdesk.intake.models")
    appt = appointment_today(clinic, patient)
    form = intake.FormDefinition.objects.create(organization=clinic.org, key="history", title="Medical history",
                                                questionnaire={"resourceType": "Questionnaire", "status": "active"})
    intake.FormAssignment.objects.create(organization=clinic.org, patient=patient, appointment=appt, form=form)
    html = client_for(frontdesk).get(reverse("frontdesk:check_in", kwargs={"appointment_id": appt.pk})).content
    assert "Medical history" in html.decode() and "All forms complete" not in html.decode()


@pytest.mark.parametrize("role", [None, "frontdesk", "billing", "clinician", "manager", "admin"])
def test_each_role_opens_the_desk_screens_exactly_as_its_permissions_allow(clinic: Any, org: Any,
                                                                           role: str | None) -> None:
    from clinicdesk.staff.roles import ROLE_PERMISSIONS
    from tests.conftest import make_user

    client = client_for(make_user(org, role))
    for name, perm in (("frontdesk:board", "frontdesk.view_visit"), ("frontdesk:find", "frontdesk.view_visit"),
                       ("frontdesk:visitors", "frontdesk.view_visitorentry")):
        allowed = role is not None and perm in ROLE_PERMISSIONS[role]
        assert client.get(reverse(name)).status_code == (200 if allowed else 403), (role, name)
