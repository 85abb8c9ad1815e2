"""The demo practice's work inbox: the standard pools (front desk, billing, nurses, one team per
practitioner), routing rules a practice would start with, and a few phone messages and tasks to try."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from clinicdesk.audit.services import Actor
from clinicdesk.demo.practice import Practice
from clinicdesk.inbox import routing
from clinicdesk.inbox.models import Pool, RoutingRule
from clinicdesk.inbox.phone import phone_message_create
from clinicdesk.inbox.services import item_create
from clinicdesk.patients.models import Patient
from clinicdesk.staff.roles import Role

# (order, category, target kind, target pool, minutes to pick up, escalate to pool)
RULES = (
    (10, "billing_question", routing.POOL, "billing", 240, "front_desk"),
    (20, "refill_request", routing.PRIMARY_TEAM, "", 480, "nurses"),
    (30, "clinical_question", routing.PRIMARY_TEAM, "", 240, "nurses"),
    (40, "results", routing.ORDERING, "", 1440, "nurses"),
    (50, "result_reconciliation", routing.POOL, "nurses", 240, ""),
    (60, "appointment", routing.POOL, "front_desk", 120, ""),
    (70, "refill_request", routing.POOL, "nurses", None, ""),  # no primary practitioner: the nurses
)
CALLS = (
    ("refill_request", "Out of her blood pressure pills, pharmacy says no refills left.", "routine", "after 3 pm"),
    ("billing_question", "Got a bill for the annual physical; thought it was covered.", "routine", "mornings"),
    ("appointment", "Needs to move next week's visit to a Thursday.", "routine", "any time"),
    ("clinical_question", "Rash since starting the new antibiotic yesterday.", "urgent", "as soon as possible"),
)


def create_inbox(practice: Practice) -> int:
    """Pools, rules and a few open items; returns the number of items created."""
    org = practice.organization
    users = practice.users
    for key, name, role in (("front_desk", "Front desk", Role.FRONTDESK), ("billing", "Billing", Role.BILLING),
                            ("nurses", "Nurses", Role.CLINICIAN)):
        pool = Pool.objects.create(organization=org, key=key, name=name)
        pool.members.add(users[role.value], users[Role.MANAGER.value])
    for key, practitioner in practice.practitioners.items():
        team = Pool.objects.create(organization=org, key=f"team_{key}"[:40], name=f"{practitioner.display_name}'s team",
                                   practitioner=practitioner)
        if practitioner.user_id:
            team.members.add(practitioner.user_id)
    for order, category, kind, pool_key, sla, escalate in RULES:
        RoutingRule.objects.create(organization=org, order=order, category=category, target_kind=kind,
                                   target_value=pool_key, sla_minutes=sla,
                                   escalation_kind=routing.POOL if escalate else "", escalation_value=escalate)
    actor = Actor.system("cli")
    patients = list(Patient.objects.filter(organization=org, status="active").exclude(phone_mobile="")
                    .order_by("pk")[:len(CALLS)])
    created = 0
    for patient, (category, message, priority, best_time) in zip(patients, CALLS, strict=False):
        phone_message_create(actor=actor, organization=org, patient=patient, category=category, message=message,
                             callback_number=patient.phone_mobile, best_time=best_time, priority=priority)
        created += 1
    phone_message_create(actor=actor, organization=org, caller_name="Jordan Price (new caller)",
                         category="appointment", message="Looking for a new family doctor; taking new patients?",
                         callback_number="+16145550123", best_time="lunchtime")
    item_create(actor=actor, organization=org, kind="task", category="appointment",
                title="Call back patients booked with Dr. Whitfield on Friday (clinic closed)",
                due_at=timezone.now() + timedelta(days=2))
    return created + 2
