"""Schedule setup screens for managers: types with requirements, resources, weekly templates, exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.practice.models import Location, Organization, Room
from clinicdesk.scheduling.models import (
    AppointmentType,
    AvailabilityBlock,
    AvailabilityException,
    Resource,
    ResourceKind,
    TypeRequirement,
)
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import client_for
from tests.scheduling.conftest import Clinic

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"schedule_setup:{name}", args=args)


TYPE_FIELDS = {"name": "Wound check", "code": "WC", "category": "follow_up", "duration_minutes": "15",
               "buffer_before_minutes": "0", "buffer_after_minutes": "5", "color": "#aa3300",
               "patient_instructions": "Keep the dressing on.", "active": "on"}


def test_overview_lists_types_resources_and_unbookable(manager: User, clinic: Clinic) -> None:
    Room.objects.create(organization=clinic.org, location=clinic.location, name="Exam 9", kind="exam")
    page = client_for(manager).get(url("overview"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "MRI with contrast" in html and "MRI scanner" in html and "Exam 9" in html and "Make bookable" in html


def test_front_desk_is_refused(frontdesk: User, clinic: Clinic) -> None:
    client = client_for(frontdesk)
    for target in (url("overview"), url("type_new"), url("type_edit", clinic.mri.pk),
                   url("template", clinic.scanner.pk), url("block_new", clinic.resource.pk),
                   url("exception_new", clinic.resource.pk)):
        assert client.get(target).status_code == 403, target
    assert client.post(url("type_new"), TYPE_FIELDS).status_code == 403
    assert not AppointmentType.objects.filter(name="Wound check").exists()


def test_other_practice_gets_404(outsider: User, clinic: Clinic) -> None:
    client = client_for(outsider)
    block = AvailabilityBlock.objects.filter(resource=clinic.resource).first()
    assert block is not None
    requirement = clinic.mri.requirements.first()
    assert requirement is not None
    for target in (url("type_edit", clinic.mri.pk), url("resource_edit", clinic.scanner.pk),
                   url("template", clinic.resource.pk), url("block_edit", block.pk),
                   url("block_new", clinic.resource.pk), url("requirement_edit", requirement.pk),
                   url("requirement_new", clinic.mri.pk)):
        assert client.get(target).status_code == 404, target
    assert client.post(url("block_delete", block.pk)).status_code == 404
    assert AvailabilityBlock.objects.filter(pk=block.pk).exists()
    assert client.post(url("resource_bookable"), {"practitioner": clinic.practitioner.pk}).status_code == 404


def test_create_type_is_saved_and_audited(manager: User, org: Organization) -> None:
    response = client_for(manager).post(url("type_new"), TYPE_FIELDS)
    assert response.status_code == 302
    made = AppointmentType.objects.get(organization=org, name="Wound check")
    assert (made.duration_minutes, made.buffer_after_minutes, made.color, made.category) == (15, 5, "#aa3300",
                                                                                            "follow_up")
    assert AuditEvent.objects.filter(object_type="AppointmentType", object_id=str(made.pk)).exists()


def test_type_errors_show_next_to_fields(manager: User, clinic: Clinic) -> None:
    bad = {**TYPE_FIELDS, "name": "Follow-up", "duration_minutes": "2", "color": "red"}
    page = client_for(manager).post(url("type_new"), bad)
    assert page.status_code == 200
    form = page.context["form"]
    assert set(form.errors) >= {"name", "duration_minutes", "color"}
    assert 'id="id_name_error"' in page.content.decode()


def test_requirement_add_edit_and_remove(manager: User, clinic: Clinic) -> None:
    client = client_for(manager)
    response = client.post(url("requirement_new", clinic.follow_up.pk),
                           {"label": "scanner", "pool": [clinic.scanner.pk], "offset_minutes": "-10",
                            "duration_minutes": "10"})
    assert response.status_code == 302
    req = TypeRequirement.objects.get(appointment_type=clinic.follow_up)
    assert (req.offset_minutes, req.duration_minutes, list(req.pool.all())) == (-10, 10, [clinic.scanner])
    page = client.post(url("requirement_edit", req.pk), {"label": "scanner", "pool": [clinic.scanner.pk],
                                                          "offset_minutes": "30", "duration_minutes": ""})
    assert page.status_code == 200 and "offset_minutes" in page.context["form"].errors
    page = client.post(url("requirement_edit", req.pk), {"label": "scanner", "offset_minutes": "0"})
    assert "pool" in page.context["form"].errors
    assert client.post(url("requirement_delete", req.pk)).status_code == 302
    assert not TypeRequirement.objects.filter(pk=req.pk).exists()


def test_requirement_pool_is_limited_to_the_practice(manager: User, clinic: Clinic, other_org: Organization) -> None:
    foreign = Resource.objects.create(organization=other_org, kind=ResourceKind.EQUIPMENT, name="Their scanner")
    page = client_for(manager).post(url("requirement_new", clinic.follow_up.pk),
                                    {"label": "x", "pool": [foreign.pk], "offset_minutes": "0"})
    assert page.status_code == 200 and "pool" in page.context["form"].errors


def test_equipment_resource_and_make_bookable(manager: User, org: Organization, location: Location,
                                              practitioner: Practitioner) -> None:
    client = client_for(manager)
    response = client.post(url("resource_new"), {"kind": "equipment", "name": "Ultrasound", "location": location.pk,
                                                  "active": "on"})
    assert response.status_code == 302
    assert Resource.objects.get(organization=org, name="Ultrasound").kind == ResourceKind.EQUIPMENT
    page = client.post(url("resource_new"), {"kind": "practitioner", "name": "Sneaky", "active": "on"})
    assert page.status_code == 200 and "kind" in page.context["form"].errors
    room = Room.objects.create(organization=org, location=location, name="Exam 1", kind="exam")
    assert client.post(url("resource_bookable"), {"room": room.pk}).status_code == 302
    assert client.post(url("resource_bookable"), {"practitioner": practitioner.pk}).status_code == 302
    assert Resource.objects.get(room=room).location == location
    assert Resource.objects.get(practitioner=practitioner).kind == ResourceKind.PRACTITIONER
    client.post(url("resource_bookable"), {"practitioner": practitioner.pk})  # twice: still one
    assert Resource.objects.filter(practitioner=practitioner).count() == 1


def test_weekly_block_add_edit_delete(manager: User, clinic: Clinic) -> None:
    client = client_for(manager)
    fields = {"location": clinic.location.pk, "weekday": "5", "start_time": "09:00", "end_time": "12:00",
              "types": [clinic.follow_up.pk], "valid_from": "", "valid_to": ""}
    assert client.post(url("block_new", clinic.resource.pk), fields).status_code == 302
    block = AvailabilityBlock.objects.get(resource=clinic.resource, weekday=5)
    assert (block.start_time, block.end_time, list(block.types.all())) == (time(9), time(12), [clinic.follow_up])
    assert "Saturday" in client.get(url("template", clinic.resource.pk)).content.decode()
    assert client.post(url("block_edit", block.pk), {**fields, "end_time": "13:00"}).status_code == 302
    block.refresh_from_db()
    assert block.end_time == time(13)
    assert client.post(url("block_delete", block.pk)).status_code == 302
    assert not AvailabilityBlock.objects.filter(pk=block.pk).exists()


def test_weekly_block_errors(manager: User, clinic: Clinic) -> None:
    client = client_for(manager)
    base = {"location": clinic.location.pk, "weekday": "0", "start_time": "13:00", "end_time": "12:00"}
    page = client.post(url("block_new", clinic.resource.pk), base)
    assert "end_time" in page.context["form"].errors
    page = client.post(url("block_new", clinic.resource.pk), {**base, "start_time": "11:00", "end_time": "14:00"})
    assert "start_time" in page.context["form"].errors  # overlaps Monday 09:00-12:00
    page = client.post(url("block_new", clinic.resource.pk), {**base, "weekday": "5", "start_time": "09:00",
                                                             "valid_from": "2030-02-01", "valid_to": "2030-01-01"})
    assert "valid_to" in page.context["form"].errors


def test_exception_in_local_time(manager: User, clinic: Clinic) -> None:
    client = client_for(manager)
    response = client.post(url("exception_new", clinic.resource.pk), {
        "kind": "off", "location": "", "start": "2030-07-04T00:00", "end": "2030-07-05T00:00",
        "reason": "Independence Day"})
    assert response.status_code == 302
    off = AvailabilityException.objects.get(resource=clinic.resource)
    assert off.start == datetime(2030, 7, 4, 5, tzinfo=UTC)  # Chicago is UTC-5 in July
    edit = client.get(url("exception_edit", off.pk)).content.decode()
    assert "2030-07-04T00:00" in edit
    page = client.post(url("exception_new", clinic.resource.pk), {
        "kind": "extra", "location": "", "start": "2030-07-06T10:00", "end": "2030-07-06T09:00"})
    assert {"end", "location"} <= set(page.context["form"].errors)
    assert client.post(url("exception_delete", off.pk)).status_code == 302
    assert not AvailabilityException.objects.exists()


def test_an_extra_session_is_offered_to_the_waitlist(manager: User, clinic: Clinic, patient: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    from datetime import date, timedelta

    from clinicdesk.audit.services import Actor
    from clinicdesk.scheduling.models import WaitlistOffer
    from clinicdesk.scheduling.waitlist import waitlist_add

    saturday = date.today() + timedelta(days=(5 - date.today().weekday()) % 7 + 7)
    waitlist_add(actor=Actor.system(), patient=patient, appointment_type=clinic.follow_up,
                 earliest_date=saturday, latest_date=saturday)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(url("exception_new", clinic.resource.pk), {
            "kind": "extra", "location": clinic.location.pk, "start": f"{saturday.isoformat()}T09:00",
            "end": f"{saturday.isoformat()}T11:00", "reason": "Extra Saturday clinic"})
    assert response.status_code == 302
    offer = WaitlistOffer.objects.get()
    assert (offer.entry.patient_id, offer.practitioner_id) == (patient.pk, clinic.practitioner.pk)
