"""The intake app's tables and the check-in selector ``forms_outstanding``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinicdesk.intake.models import AssignmentStatus, FormAssignment
from clinicdesk.intake.questionnaire import STANDARD_FORMS
from clinicdesk.intake.selectors import definition_current, definitions_current, forms_outstanding
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db


def test_every_practice_sees_the_shipped_forms(org, other_org):
    keys = {d.key for d in definitions_current(organization=org)}
    assert keys == set(STANDARD_FORMS)
    assert {d.key for d in definitions_current(organization=other_org)} == keys
    assert all(d.organization_id is None for d in definitions_current(organization=org))


def test_forms_outstanding_lists_open_assignments_with_title_and_status(org, patient, frontdesk):
    registration = definition_current(organization=org, key="new-patient")
    hipaa = definition_current(organization=org, key="hipaa-notice")
    consent = definition_current(organization=org, key="consent-to-treat")
    assert registration and hipaa and consent
    a = FormAssignment.objects.create(organization=org, patient=patient, form=registration, created_by=frontdesk)
    b = FormAssignment.objects.create(organization=org, patient=patient, form=hipaa,
                                      status=AssignmentStatus.IN_PROGRESS,
                                      created_at=timezone.now() + timedelta(seconds=1))
    FormAssignment.objects.create(organization=org, patient=patient, form=consent, status=AssignmentStatus.COMPLETED)
    FormAssignment.objects.create(organization=org, patient=make_patient(org), form=consent)
    found = forms_outstanding(patient=patient)
    assert [f.pk for f in found] == [a.pk, b.pk]
    assert [(f.title, f.status) for f in found] == [("New patient registration", "assigned"),
                                                   ("Notice of Privacy Practices acknowledgement", "in_progress")]
