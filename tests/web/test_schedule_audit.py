"""Every patient shown on the day view is audited, also when they first appear through a refresh."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.services import appointment_book
from tests.conftest import client_for, make_patient
from tests.scheduling.conftest import Clinic, book_kwargs, local


def _hits(user: Any, patient: Any) -> int:
    return AuditEvent.objects.filter(user_id=user.pk, patient_id=patient.pk, action="search_hit",
                                     detail__list="day").count()


def test_a_refresh_records_only_patients_not_yet_shown(frontdesk: Any, clinic: Clinic, patient: Any, org: Any,
                                                       monday: date) -> None:
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 9)))
    client = client_for(frontdesk)
    url = reverse("schedule:day") + f"?date={monday.isoformat()}&location={clinic.location.pk}"
    client.get(url)
    assert _hits(frontdesk, patient) == 1
    newcomer = make_patient(org, family_name="Iwu", given_name="Ada")
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, newcomer, local(monday, 10)))
    client.get(url, HTTP_HX_REQUEST="true")
    assert (_hits(frontdesk, patient), _hits(frontdesk, newcomer)) == (1, 1)
    client.get(url, HTTP_HX_REQUEST="true")
    assert (_hits(frontdesk, patient), _hits(frontdesk, newcomer)) == (1, 1)
