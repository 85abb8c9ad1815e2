"""Shared builders for the inbox screen tests: the standard pools and a few rules."""

from __future__ import annotations

from typing import Any

from clinicdesk.inbox.models import Pool, RoutingRule


def standard_pools(org: Any, *, frontdesk: Any, billing: Any, clinician: Any, practitioner: Any,
                   patient: Any) -> dict[str, Pool]:
    practitioner.user = clinician
    practitioner.save()
    patient.primary_practitioner = practitioner
    patient.save()
    front = Pool.objects.create(organization=org, key="front_desk", name="Front desk")
    front.members.add(frontdesk)
    bill = Pool.objects.create(organization=org, key="billing", name="Billing")
    bill.members.add(billing)
    team = Pool.objects.create(organization=org, key="lindqvist_team", name="Dr. Lindqvist's team",
                               practitioner=practitioner)
    team.members.add(clinician)
    RoutingRule.objects.create(organization=org, order=10, category="billing_question", target_kind="pool",
                               target_value="billing")
    RoutingRule.objects.create(organization=org, order=20, category="refill_request",
                               target_kind="primary_practitioner_team")
    RoutingRule.objects.create(organization=org, order=30, category="appointment", target_kind="pool",
                               target_value="front_desk")
    return {"front": front, "billing": bill, "team": team}
