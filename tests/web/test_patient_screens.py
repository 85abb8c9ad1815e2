"""Registering, finding, editing and merging patients through the web screens."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.patients.models import Patient, Status
from tests.conftest import client_for, make_patient

NEW = {"family_name": "Nguyen", "given_name": "Thi Lan", "birth_date": "07/04/1988", "sex": "female",
       "phone_mobile": "(312) 555-0188", "preferred_language": "vi", "guarantor_relationship": "self",
       "country": "US", "consent_sms": "on"}


def test_registering_a_patient_normalizes_the_phone_and_says_what_happened(frontdesk: Any, org: Any) -> None:
    response = client_for(frontdesk).post(reverse("patients:new"), NEW, follow=True)
    patient = Patient.objects.get(family_name="Nguyen")
    assert patient.phone_mobile == "+13125550188"
    assert patient.mrn.startswith("LS")
    assert f"Registered Nguyen, Thi Lan, MRN {patient.mrn}" in response.content.decode()


def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(frontdesk: Any) -> None:
    bad = {**NEW, "birth_date": "13/45/1988", "phone_mobile": "555", "email": "not-an-email"}
    response = client_for(frontdesk).post(reverse("patients:new"), bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Type the date as MM/DD/YYYY" in html
    assert "Enter a valid email address." in html
    assert not Patient.objects.filter(family_name="Nguyen").exists()


def test_phone_errors_from_the_service_land_on_the_phone_field(frontdesk: Any) -> None:
    response = client_for(frontdesk).post(reverse("patients:new"), {**NEW, "phone_mobile": "555"})
    assert "is not a valid phone number" in response.content.decode()
    assert response.context["form"].errors["phone_mobile"]


def test_a_future_birth_date_is_refused(frontdesk: Any) -> None:
    response = client_for(frontdesk).post(reverse("patients:new"), {**NEW, "birth_date": "01/01/2999"})
    assert "This date is in the future." in response.content.decode()


def test_a_likely_duplicate_shows_the_candidates_before_creating(frontdesk: Any, org: Any) -> None:
    existing = make_patient(org, family_name="Nguyen", given_name="Thi Lan", birth_date=date(1988, 7, 4))
    client = client_for(frontdesk)
    response = client.post(reverse("patients:new"), {**NEW, "family_name": "Nguyenn", "phone_mobile": ""})
    html = response.content.decode()
    assert "This may be a patient we already have" in html
    assert existing.mrn in html
    assert Patient.objects.filter(organization=org).count() == 1
    confirmed = client.post(reverse("patients:new"), {**NEW, "family_name": "Nguyenn", "confirm_new": "1"})
    assert confirmed.status_code == 302
    assert Patient.objects.filter(organization=org).count() == 2


def test_search_finds_by_fragment_and_records_each_hit(frontdesk: Any, patient: Any) -> None:
    response = client_for(frontdesk).get(reverse("patients:list"), {"q": "oka chi"})
    assert patient.mrn in response.content.decode()
    assert AuditEvent.objects.filter(action="search_hit", patient_id=patient.pk, user_id=frontdesk.pk).count() == 1


def test_htmx_search_returns_only_the_results_fragment(frontdesk: Any, patient: Any) -> None:
    response = client_for(frontdesk).get(reverse("patients:list"), {"q": "okafor"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert patient.mrn in html
    assert "<html" not in html


def test_the_chart_shows_the_header_and_records_the_read(clinician: Any, patient: Any, coverage: Any) -> None:
    response = client_for(clinician).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    html = response.content.decode()
    for text in ("Okafor, Chidi", "03/14/1975", patient.mrn, "Prairie Health Plan", "(217) 555-0142"):
        assert text in html
    event = AuditEvent.objects.filter(action="view", patient_id=patient.pk).latest("seq")
    assert (event.user_id, event.role, event.ip) == (clinician.pk, "clinician", "127.0.0.1")


def test_editing_a_phone_number_saves_it_and_audits_the_change(frontdesk: Any, patient: Any) -> None:
    client = client_for(frontdesk)
    form = client.get(reverse("patients:edit", kwargs={"patient_id": patient.pk})).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update({"birth_date": "03/14/1975", "phone_mobile": "217-555-0199", "version": patient.version,
                 "primary_practitioner": ""})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(reverse("patients:edit", kwargs={"patient_id": patient.pk}), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    patient.refresh_from_db()
    assert patient.phone_mobile == "+12175550199"
    event = AuditEvent.objects.filter(action="update", patient_id=patient.pk).latest("seq")
    assert event.detail["changed"]["phone_mobile"] == {"from": "+12175550142", "to": "+12175550199"}


def test_a_stale_edit_is_refused_instead_of_overwriting(frontdesk: Any, patient: Any) -> None:
    response = client_for(frontdesk).post(reverse("patients:edit", kwargs={"patient_id": patient.pk}), {
        "family_name": "Okafor", "given_name": "Chidi", "birth_date": "03/14/1975", "sex": "male",
        "preferred_language": "en", "guarantor_relationship": "self", "country": "US", "status": "active",
        "version": patient.version + 5})
    assert "Someone else changed this patient meanwhile" in response.content.decode()


def test_merge_and_undo_through_the_screens(manager: Any, org: Any, patient: Any, coverage: Any) -> None:
    keep = make_patient(org, family_name="Okafor", given_name="Chidi", birth_date=patient.birth_date)
    client = client_for(manager)
    response = client.post(reverse("patients:merge", kwargs={"patient_id": patient.pk}),
                           {"target_mrn": keep.mrn.lower(), "reason": "Registered twice at walk-in"})
    assert response.status_code == 302
    patient.refresh_from_db()
    coverage.refresh_from_db()
    assert (patient.status, patient.merged_into_id, coverage.patient_id) == (Status.MERGED, keep.pk, keep.pk)
    chart = client.get(reverse("patients:chart", kwargs={"patient_id": keep.pk})).content.decode()
    assert "Registered twice at walk-in" in chart
    merge_id = patient.merges_as_source.get().pk
    client.post(reverse("patients:unmerge", kwargs={"merge_id": merge_id}))
    patient.refresh_from_db()
    coverage.refresh_from_db()
    assert (patient.status, patient.merged_into_id, coverage.patient_id) == (Status.ACTIVE, None, patient.pk)


def test_merge_into_an_unknown_mrn_says_so(manager: Any, patient: Any) -> None:
    response = client_for(manager).post(reverse("patients:merge", kwargs={"patient_id": patient.pk}),
                                        {"target_mrn": "NOPE1", "reason": "dup"})
    assert "No patient of this practice has that MRN." in response.content.decode()


def test_the_patient_page_lists_the_users_own_recent_charts(frontdesk: Any, clinician: Any, patient: Any,
                                                            org: Any) -> None:
    other = make_patient(org, family_name="Abara", given_name="Ngozi")
    client_for(clinician).get(reverse("patients:chart", kwargs={"patient_id": other.pk}))
    client = client_for(frontdesk)
    client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    response = client.get(reverse("patients:list"))
    assert [p.pk for p in response.context["recent"]] == [patient.pk]
    assert AuditEvent.objects.filter(action="search_hit", user_id=frontdesk.pk, detail__list="recent").count() == 1


def test_the_chart_lists_the_patients_appointments_from_the_schedule(frontdesk: Any, clinic: Any, patient: Any,
                                                                      monday: Any) -> None:
    from clinicdesk.audit.services import Actor
    from clinicdesk.scheduling.services import appointment_book
    from tests.scheduling.conftest import book_kwargs, local

    appt = appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 9)))
    html = client_for(frontdesk).get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode()
    assert reverse("schedule:appointment", args=[appt.pk]) in html
    assert reverse("calendar:appointment_ics", args=[appt.pk]) in html
    assert reverse("waitlist:new", args=[patient.pk]) in html
