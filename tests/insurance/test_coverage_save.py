"""Creating and changing coverages (clinicdesk.insurance.services.coverage_save)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.insurance.models import Coverage, CoverageStatus, Payer, Plan, Priority
from clinicdesk.insurance.services import coverage_new, coverage_save
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
HEIC = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40
PDF = b"%PDF-1.7\n" + b"\x00" * 40


def save(user: User, coverage: Coverage, cards: dict[str, Any] | None = None, **fields: Any) -> Coverage:
    return coverage_save(actor=actor_for(user), coverage=coverage, fields=fields, cards=cards)


def new_primary(frontdesk: User, patient: Patient, payer: Payer, **fields: Any) -> Coverage:
    return save(frontdesk, coverage_new(patient=patient), payer=payer, member_id="M-1", **fields)


def test_a_new_coverage_is_saved_and_audited(patient: Patient, payer: Payer, frontdesk: User) -> None:
    saved = new_primary(frontdesk, patient, payer, copay=Decimal("20.00"), effective_date=date(2026, 1, 1))
    assert saved.pk is not None
    saved.refresh_from_db()
    assert (saved.patient, saved.organization_id, saved.payer, saved.version) == (patient, patient.organization_id,
                                                                                 payer, 1)
    event = AuditEvent.objects.get(object_type="Coverage", object_id=str(saved.pk))
    assert (event.action, event.user_id, event.patient_id) == (Action.CREATE, frontdesk.pk, patient.pk)
    assert event.detail == {"fields": ["copay", "effective_date", "member_id", "payer"], "cards": []}


def test_a_change_bumps_the_version_and_is_audited(coverage: Coverage, billing: User) -> None:
    saved = save(billing, coverage, member_id="XZP999", copay=Decimal("30.00"))
    saved.refresh_from_db()
    assert (saved.member_id, saved.copay, saved.version) == ("XZP999", Decimal("30.00"), 2)
    event = AuditEvent.objects.get(object_type="Coverage", action=Action.UPDATE)
    assert (event.user_id, event.detail["fields"]) == (billing.pk, ["copay", "member_id"])


def test_a_second_overlapping_active_primary_is_refused_with_a_clear_message(
        patient: Patient, payer: Payer, coverage: Coverage, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        new_primary(frontdesk, patient, payer, effective_date=date(2026, 1, 1))
    assert exc.value.message_dict == {"priority": [
        "The patient already has an active primary coverage (Prairie Health Plan) for these dates. "
        "End it first, or choose another order."]}
    assert Coverage.objects.filter(patient=patient).count() == 1


def test_dated_primaries_that_overlap_by_one_day_are_refused(patient: Patient, payer: Payer,
                                                              frontdesk: User) -> None:
    new_primary(frontdesk, patient, payer, effective_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    with pytest.raises(ValidationError, match="already has an active primary"):
        new_primary(frontdesk, patient, payer, effective_date=date(2025, 12, 31))


def test_primaries_one_after_the_other_are_allowed(patient: Patient, payer: Payer, frontdesk: User) -> None:
    new_primary(frontdesk, patient, payer, effective_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    later = new_primary(frontdesk, patient, payer, effective_date=date(2026, 1, 1))
    earlier = new_primary(frontdesk, patient, payer, effective_date=date(2020, 1, 1), end_date=date(2024, 12, 31))
    assert later.pk and earlier.pk
    assert Coverage.objects.filter(patient=patient, priority=Priority.PRIMARY).count() == 3


def test_a_secondary_may_overlap_the_primary(patient: Patient, payer: Payer, coverage: Coverage,
                                             frontdesk: User) -> None:
    assert new_primary(frontdesk, patient, payer, priority=Priority.SECONDARY).pk


def test_a_cancelled_coverage_does_not_block_a_new_primary(patient: Patient, payer: Payer, coverage: Coverage,
                                                           frontdesk: User) -> None:
    save(frontdesk, coverage, status=CoverageStatus.CANCELLED)
    assert new_primary(frontdesk, patient, payer).pk


def test_another_patients_primary_does_not_block(org: Organization, payer: Payer, coverage: Coverage,
                                                 frontdesk: User) -> None:
    from tests.conftest import make_patient

    assert new_primary(frontdesk, make_patient(org), payer).pk


def test_changing_a_coverage_does_not_clash_with_itself(coverage: Coverage, frontdesk: User) -> None:
    assert save(frontdesk, coverage, group_number="G-200").version == 2


def test_a_plan_of_another_payer_is_refused(org: Organization, patient: Patient, payer: Payer,
                                            frontdesk: User) -> None:
    other_payer = Payer.objects.create(organization=org, name="Lakeland Mutual")
    their_plan = Plan.objects.create(payer=other_payer, name="Gold PPO")
    with pytest.raises(ValidationError) as exc:
        new_primary(frontdesk, patient, payer, plan=their_plan)
    assert set(exc.value.message_dict) == {"plan"}
    own_plan = Plan.objects.create(payer=payer, name="Silver HMO")
    assert new_primary(frontdesk, patient, payer, plan=own_plan).plan == own_plan


def test_a_payer_of_another_practice_is_refused(other_org: Organization, patient: Patient,
                                                frontdesk: User) -> None:
    theirs = Payer.objects.create(organization=other_org, name="Far Away Health")
    with pytest.raises(ValidationError) as exc:
        new_primary(frontdesk, patient, theirs)
    assert exc.value.message_dict == {"payer": ["Choose one of this practice's payers."]}


def test_a_coverage_needs_a_payer_and_a_member_id(patient: Patient, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        save(frontdesk, coverage_new(patient=patient))
    assert {"payer", "member_id"} <= set(exc.value.message_dict)


def test_an_end_date_before_the_effective_date_is_refused(patient: Patient, payer: Payer, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        new_primary(frontdesk, patient, payer, effective_date=date(2026, 2, 1), end_date=date(2026, 1, 31))
    assert exc.value.message_dict == {"end_date": ["The end date is before the effective date."]}
    assert not Coverage.objects.filter(patient=patient).exists()


def test_a_coverage_of_a_single_day_is_allowed(patient: Patient, payer: Payer, frontdesk: User) -> None:
    assert new_primary(frontdesk, patient, payer, effective_date=date(2026, 2, 1), end_date=date(2026, 2, 1)).pk


def test_dates_given_as_text_are_checked_too(patient: Patient, payer: Payer, frontdesk: User) -> None:
    with pytest.raises(ValidationError):
        new_primary(frontdesk, patient, payer, effective_date="2026-02-01", end_date="2026-01-31")


def test_a_negative_copay_is_refused(patient: Patient, payer: Payer, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        new_primary(frontdesk, patient, payer, copay=Decimal("-5.00"))
    assert set(exc.value.message_dict) == {"copay"}


def test_card_images_are_stored_through_django_storage(media_root: Path, patient: Patient, payer: Payer,
                                                       frontdesk: User) -> None:
    saved = new_primary(frontdesk, patient, payer, cards={
        "card_front": SimpleUploadedFile("Chidi Okafor front.png", PNG, content_type="image/png"),
        "card_back": SimpleUploadedFile("back.jpg", JPEG, content_type="image/jpeg"),
    })
    saved.refresh_from_db()
    front, back = saved.card_front, saved.card_back
    assert front.name.startswith(f"org{patient.organization_id}/coverage-cards/")
    assert front.name.endswith(".png") and back.name.endswith(".jpg")
    assert "okafor" not in front.name.lower() and "chidi" not in front.name.lower()
    assert (media_root / front.name).read_bytes() == PNG
    with back.open("rb") as f:
        assert f.read() == JPEG
    event = AuditEvent.objects.get(object_type="Coverage", object_id=str(saved.pk))
    assert event.detail["cards"] == ["card_back", "card_front"]


@pytest.mark.parametrize(("content", "extension"), [(PNG, "png"), (JPEG, "jpg"), (WEBP, "webp"), (HEIC, "heic"),
                                                     (PDF, "pdf")])
def test_every_kind_of_card_image_is_accepted_and_named_by_its_content(
        media_root: Path, patient: Patient, payer: Payer, frontdesk: User, content: bytes, extension: str) -> None:
    saved = new_primary(frontdesk, patient, payer, cards={"card_front": SimpleUploadedFile("upload.bin", content)})
    assert saved.card_front.name.endswith(f".{extension}")
    assert (media_root / saved.card_front.name).read_bytes() == content


def test_a_card_named_like_a_web_page_is_stored_as_the_image_it_is(media_root: Path, patient: Patient,
                                                                    payer: Payer, frontdesk: User) -> None:
    sneaky = SimpleUploadedFile("card.html", PNG + b"<script>alert(1)</script>", content_type="text/html")
    saved = new_primary(frontdesk, patient, payer, cards={"card_front": sneaky})
    assert saved.card_front.name.endswith(".png")


@pytest.mark.parametrize("content", [
    b"Just some text, not a photo",
    b"<html><script>alert(1)</script></html>",
    b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20,  # a sound file
    b"\x00\x00\x00\x18ftypisom" + b"\x00" * 20,  # an MP4 video
    b"",
])
def test_anything_but_an_image_or_pdf_is_refused_and_nothing_is_stored(
        media_root: Path, patient: Patient, payer: Payer, frontdesk: User, content: bytes) -> None:
    with pytest.raises(ValidationError) as exc:
        new_primary(frontdesk, patient, payer, cards={"card_back": SimpleUploadedFile("card.png", content)})
    assert set(exc.value.message_dict) == {"card_back"}
    assert not Coverage.objects.filter(patient=patient).exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_a_card_image_over_the_size_limit_is_refused(settings: Any, media_root: Path, patient: Patient,
                                                     payer: Payer, frontdesk: User) -> None:
    settings.CLINICDESK_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError, match="larger than"):
        new_primary(frontdesk, patient, payer, cards={"card_front": SimpleUploadedFile("c.png", PNG + b"\x00" * 100)})
