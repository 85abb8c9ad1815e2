"""Creating and changing payers (clinicdesk.insurance.services.payer_save)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.insurance.models import Payer
from clinicdesk.insurance.services import payer_save
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for


def test_a_new_payer_is_saved_and_audited(org: Organization, billing: User) -> None:
    payer = payer_save(actor=actor_for(billing), payer=Payer(organization=org),
                       fields={"name": "Lakeland Mutual", "payer_id": "LKM01", "claim_filing_indicator": "BL"})
    payer.refresh_from_db()
    assert (payer.name, payer.payer_id, payer.claim_filing_indicator) == ("Lakeland Mutual", "LKM01", "BL")
    event = AuditEvent.objects.get(object_type="Payer")
    assert (event.action, event.object_id, event.user_id, event.organization_id) == (
        Action.CREATE, str(payer.pk), billing.pk, org.pk)


def test_a_change_is_audited_as_an_update(payer: Payer, billing: User) -> None:
    payer_save(actor=actor_for(billing), payer=payer, fields={"phone": "+18005550100"})
    assert AuditEvent.objects.get(object_type="Payer").action == Action.UPDATE


def test_a_payer_name_is_unique_within_a_practice(org: Organization, other_org: Organization, payer: Payer,
                                                  billing: User) -> None:
    with pytest.raises(ValidationError):
        payer_save(actor=actor_for(billing), payer=Payer(organization=org), fields={"name": payer.name})
    assert payer_save(actor=actor_for(billing), payer=Payer(organization=other_org), fields={"name": payer.name}).pk


def test_an_unknown_claim_filing_indicator_is_refused(org: Organization, billing: User) -> None:
    with pytest.raises(ValidationError) as exc:
        payer_save(actor=actor_for(billing), payer=Payer(organization=org),
                   fields={"name": "X", "claim_filing_indicator": "QQ"})
    assert set(exc.value.message_dict) == {"claim_filing_indicator"}
