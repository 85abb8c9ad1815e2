"""Adding and editing insurance on the chart, with card images."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.insurance.models import Coverage
from tests.conftest import client_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _form(payer: Any, **extra: Any) -> dict[str, Any]:
    return {"payer": payer.pk, "priority": 1, "member_id": "M-778899", "relationship": "18", "copay": "30.00",
            "status": "active", "effective_date": "01/01/2026", **extra}


def test_adding_coverage_with_card_images_stores_them_through_storage(frontdesk: Any, patient: Any, payer: Any) -> None:
    url = reverse("insurance:coverage_new", kwargs={"patient_id": patient.pk})
    response = client_for(frontdesk).post(url, _form(
        payer, card_front_upload=SimpleUploadedFile("front.png", PNG, "image/png"),
        card_back_upload=SimpleUploadedFile("back.png", PNG, "image/png")), follow=True)
    coverage = Coverage.objects.get(patient=patient)
    assert "Saved primary coverage Prairie Health Plan M-778899." in response.content.decode()
    assert coverage.card_front.read() == PNG
    assert "Okafor" not in coverage.card_front.name  # no patient names in stored file names


def test_the_card_image_is_served_only_through_the_audited_view(frontdesk: Any, patient: Any, payer: Any) -> None:
    client = client_for(frontdesk)
    client.post(reverse("insurance:coverage_new", kwargs={"patient_id": patient.pk}),
                _form(payer, card_front_upload=SimpleUploadedFile("f.png", PNG, "image/png")))
    coverage = Coverage.objects.get(patient=patient)
    url = reverse("insurance:coverage_card", kwargs={"patient_id": patient.pk, "coverage_id": coverage.pk,
                                                     "side": "front"})
    response = client.get(url)
    assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(action="view", patient_id=patient.pk,
                                     detail__purpose="insurance card front").exists()


def test_a_file_that_is_not_an_image_is_refused(frontdesk: Any, patient: Any, payer: Any) -> None:
    response = client_for(frontdesk).post(
        reverse("insurance:coverage_new", kwargs={"patient_id": patient.pk}),
        _form(payer, card_front_upload=SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", "image/png")))
    assert "The card must be a photo" in response.content.decode()
    assert not Coverage.objects.filter(patient=patient).exists()


def test_a_second_active_primary_for_the_same_dates_is_refused(frontdesk: Any, coverage: Any, payer: Any) -> None:
    response = client_for(frontdesk).post(
        reverse("insurance:coverage_new", kwargs={"patient_id": coverage.patient_id}), _form(payer))
    assert "already has an active primary coverage" in response.content.decode()
    assert Coverage.objects.filter(patient_id=coverage.patient_id).count() == 1


def test_a_dependent_needs_the_subscribers_name(frontdesk: Any, patient: Any, payer: Any) -> None:
    response = client_for(frontdesk).post(reverse("insurance:coverage_new", kwargs={"patient_id": patient.pk}),
                                          _form(payer, relationship="19"))
    assert "Give the subscriber&#x27;s name" in response.content.decode()


def test_editing_coverage_bumps_its_version_and_audits(billing: Any, coverage: Any, payer: Any) -> None:
    url = reverse("insurance:coverage_edit", kwargs={"patient_id": coverage.patient_id, "coverage_id": coverage.pk})
    response = client_for(billing).post(url, _form(payer, member_id="NEW-1", end_date="12/31/2026"))
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert (coverage.member_id, coverage.version) == ("NEW-1", 2)
    assert AuditEvent.objects.filter(action="update", object_type="Coverage", object_id=str(coverage.pk)).exists()
