"""Walk-ins (queue, assign to the first free time today) and the visitor log (direct a visitor to a person)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.frontdesk.desk import (
    visitor_add,
    visitor_direct,
    visitor_leave,
    walkin_add,
    walkin_assign,
    walkin_leave,
)
from clinicdesk.frontdesk.models import VisitorEntry, WalkIn, WalkInStatus
from clinicdesk.frontdesk.selectors import today_board
from clinicdesk.inbox.models import InboxItem
from clinicdesk.scheduling.models import Appointment, Status
from tests.conftest import actor_for, client_for, make_user

pytestmark = pytest.mark.django_db


def test_a_walk_in_waits_on_the_board_then_gets_the_first_free_time_today(open_all_day: Any, patient: Any,
                                                                           frontdesk: Any) -> None:
    clinic, actor = open_all_day, actor_for(frontdesk)
    walk_in = walkin_add(actor=actor, location=clinic.location, patient=patient, reason="Sore throat")
    assert [w.pk for w in today_board(location=clinic.location).walk_ins] == [walk_in.pk]
    with pytest.raises(ValidationError, match="already in the walk-in queue"):
        walkin_add(actor=actor, location=clinic.location, patient=patient, reason="Again")
    appointment = walkin_assign(actor=actor, walk_in=walk_in, appointment_type=clinic.follow_up)
    assert appointment.practitioner == clinic.practitioner and appointment.status == Status.BOOKED
    zone = ZoneInfo(clinic.location.timezone or clinic.org.timezone)
    assert appointment.start.astimezone(zone).date() == timezone.now().astimezone(zone).date()
    assert appointment.reason == "Walk-in: Sore throat" and appointment.reservations.count() == 1
    walk_in.refresh_from_db()
    assert (walk_in.status, walk_in.appointment) == (WalkInStatus.ASSIGNED, appointment)
    assert today_board(location=clinic.location).walk_ins == []
    with pytest.raises(ValidationError, match="no longer waiting"):
        walkin_assign(actor=actor, walk_in=walk_in, appointment_type=clinic.follow_up)
    assert AuditEvent.objects.filter(object_type="frontdesk.WalkIn", object_id=str(walk_in.pk)).count() == 2


def test_no_free_time_today_is_said_plainly(clinic: Any, patient: Any, frontdesk: Any) -> None:
    clinic.resource.blocks.all().delete()
    walk_in = walkin_add(actor=actor_for(frontdesk), location=clinic.location, patient=patient, reason="Cough")
    with pytest.raises(ValidationError, match=r"No free time left today with Dr\. Maria Lindqvist"):
        walkin_assign(actor=actor_for(frontdesk), walk_in=walk_in, appointment_type=clinic.follow_up,
                      practitioner=clinic.practitioner)
    walkin_leave(actor=actor_for(frontdesk), walk_in=walk_in)
    walk_in.refresh_from_db()
    assert walk_in.status == WalkInStatus.LEFT and not Appointment.objects.exists()


def test_walk_in_screens(open_all_day: Any, patient: Any, frontdesk: Any, billing: Any) -> None:
    clinic, client = open_all_day, client_for(frontdesk)
    new_url = reverse("frontdesk:walkin_new") + f"?patient={patient.pk}"
    assert client_for(billing).get(new_url).status_code == 403
    assert client.get(new_url).status_code == 200
    assert client.post(new_url, {"patient": patient.pk, "reason": ""}).status_code == 400
    assert client.post(new_url, {"patient": patient.pk, "reason": "Ear ache",
                                 "location": clinic.location.pk}).status_code == 302
    walk_in = WalkIn.objects.get()
    board = client.get(reverse("frontdesk:board")).content.decode()
    assert "Walk-ins waiting (1)" in board and "Ear ache" in board
    assign = reverse("frontdesk:walkin_assign", kwargs={"walk_in_id": walk_in.pk})
    assert client.post(assign, {"appointment_type": ""}).status_code == 302  # error toast, back to the board
    response = client.post(assign, {"appointment_type": clinic.follow_up.pk, "practitioner": ""})
    appointment = Appointment.objects.get(patient=patient)
    assert response["Location"] == reverse("frontdesk:check_in", kwargs={"appointment_id": appointment.pk})
    # checking the walk-in in counts their wait from when they walked in
    client.post(response["Location"], {"copay_due": "0", "copay_collected": "0", "arrive": "1"})
    appointment.visit.refresh_from_db()
    assert appointment.visit.arrived_at == walk_in.arrived_at


def test_directing_a_visitor_gives_that_person_an_inbox_task(location: Any, frontdesk: Any, clinician: Any,
                                                             manager: Any) -> None:
    actor = actor_for(frontdesk)
    entry = visitor_add(actor=actor, location=location, name="Sam Courier", purpose="Lab specimen pickup",
                        kind="courier", company="QuickLab", host=clinician)
    item = InboxItem.objects.get(pk=entry.inbox_item_id)
    assert (item.assigned_user_id, item.kind, item.category, item.patient_id) == (clinician.pk, "task", "visitor",
                                                                                  None)
    assert "Sam Courier (QuickLab)" in item.title and "Lab specimen pickup" in item.body
    assert entry.directed_to == clinician and entry.directed_at is not None
    entry = visitor_direct(actor=actor, entry=entry, to=manager, note="Needs a signature")
    assert entry.directed_to == manager
    assert InboxItem.objects.get(pk=entry.inbox_item_id).assigned_user_id == manager.pk
    visitor_leave(actor=actor, entry=entry)
    with pytest.raises(ValidationError, match="already left"):
        visitor_leave(actor=actor, entry=entry)
    with pytest.raises(ValidationError, match="already left"):
        visitor_direct(actor=actor, entry=entry, to=clinician)


def test_a_visitor_without_a_host_notifies_nobody(location: Any, frontdesk: Any) -> None:
    entry = visitor_add(actor=actor_for(frontdesk), location=location, name="Ana Applicant",
                        purpose="Interview at 3", kind="applicant")
    assert entry.inbox_item_id is None and not InboxItem.objects.exists()


def test_a_visitor_cannot_be_sent_to_another_practice(location: Any, frontdesk: Any, outsider: Any) -> None:
    with pytest.raises(ValidationError, match="your practice"):
        visitor_add(actor=actor_for(frontdesk), location=location, name="X", purpose="Y", host=outsider)
    assert not VisitorEntry.objects.exists()


def test_visitor_log_screens(location: Any, org: Any, frontdesk: Any, clinician: Any, billing: Any,
                             patient: Any, outsider: Any) -> None:
    client = client_for(frontdesk)
    url = reverse("frontdesk:visitors")
    assert client_for(billing).get(url).status_code == 403
    assert client.post(url, {"name": "", "purpose": "", "kind": "vendor"}).status_code == 400
    response = client.post(url + f"?patient={patient.pk}", {
        "name": "Chidi Okafor", "purpose": "Pick up a form", "kind": "patient", "host": clinician.pk,
        "notify": "on", "patient": patient.pk})
    assert response.status_code == 302
    entry = VisitorEntry.objects.get()
    assert entry.patient == patient and entry.directed_to == clinician
    page = client.get(url).content.decode()
    assert "Chidi Okafor" in page and "Pick up a form" in page and "1 here now" in page
    other = make_user(org, "manager")
    direct = reverse("frontdesk:visitor_direct", kwargs={"entry_id": entry.pk})
    assert client.post(direct, {"to": other.pk}).status_code == 302
    entry.refresh_from_db()
    assert entry.directed_to == other
    assert client.post(direct, {"to": outsider.pk}).status_code == 302  # not a choice: an error toast
    entry.refresh_from_db()
    assert entry.directed_to == other
    assert client_for(outsider).post(direct, {"to": outsider.pk}).status_code == 404
    assert client.post(reverse("frontdesk:visitor_leave", kwargs={"entry_id": entry.pk})).status_code == 302
    entry.refresh_from_db()
    assert entry.left_at is not None
    assert "0 here now" in client.get(url).content.decode()
