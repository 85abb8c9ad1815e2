"""The manager's audit page filters by user, patient, action and time."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.conftest import client_for


def test_filtering_by_patient_shows_who_read_the_chart(manager: Any, clinician: Any, patient: Any) -> None:
    client_for(clinician).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    response = client_for(manager).get(reverse("audit:list"), {"mrn": patient.mrn, "action": "view"})
    rows = list(response.context["events"])
    assert rows and all(e.patient_id == patient.pk and e.action == "view" for e in rows)
    assert clinician.username in response.content.decode()


def test_filtering_by_user_and_date_range(manager: Any, clinician: Any, frontdesk: Any, patient: Any) -> None:
    client_for(clinician).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    client_for(frontdesk).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    response = client_for(manager).get(reverse("audit:list"), {"username": frontdesk.username})
    assert {e.username for e in response.context["events"]} == {frontdesk.username}
    response = client_for(manager).get(reverse("audit:list"), {"since": "01/01/2000", "until": "01/02/2000"})
    assert list(response.context["events"]) == []


def test_an_unknown_mrn_is_a_clear_error(manager: Any) -> None:
    response = client_for(manager).get(reverse("audit:list"), {"mrn": "ZZ999"})
    assert "No patient of this practice has that MRN." in response.content.decode()


def test_the_audit_page_never_shows_another_practices_events(manager: Any, outsider: Any, patient: Any) -> None:
    client_for(manager).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    response = client_for(outsider).get(reverse("audit:list"))
    assert all(e.patient_id != patient.pk for e in response.context["events"])


def test_times_are_shown_in_the_practices_time_zone(manager: Any, patient: Any) -> None:
    from datetime import UTC

    from django.utils import timezone

    client_for(manager).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    response = client_for(manager).get(reverse("audit:list"))
    newest = next(iter(response.context["events"]))
    local = timezone.localtime(newest.at, patient.organization.tz)  # the practice is in America/Chicago
    assert local.strftime("%m/%d/%Y %H:%M") in response.content.decode()
    assert local.hour != newest.at.astimezone(UTC).hour
