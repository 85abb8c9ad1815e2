"""Phone messages taken during a live call: one routed inbox item plus the call details."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clinicdesk.audit.services import Actor
from clinicdesk.inbox.models import InboxItem, Kind, PhoneMessage, Priority
from clinicdesk.inbox.services import item_create
from clinicdesk.lib.phones import InvalidPhoneNumber, normalize_phone
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization

# The categories the routing rules match on (``RoutingRule.category``); other apps add their own
# (labs: "results", "result_reconciliation").
PHONE_CATEGORIES = [
    ("appointment", "Appointment"),
    ("billing_question", "Billing question"),
    ("refill_request", "Prescription refill"),
    ("clinical_question", "Clinical question"),
    ("other", "Other"),
]
KNOWN_CATEGORIES = [*PHONE_CATEGORIES, ("results", "Lab results"),
                    ("result_reconciliation", "Lab result to match"), ("document", "Document")]


def phone_message_create(*, actor: Actor, organization: Organization, category: str, message: str,
                         patient: Patient | None = None, caller_name: str = "", callback_number: str = "",
                         best_time: str = "", priority: str = Priority.ROUTINE) -> InboxItem:
    """Create and route the phone message. A caller who is not (yet) a patient is named in ``caller_name``."""
    errors: dict[str, str] = {}
    if category not in dict(PHONE_CATEGORIES):
        errors["category"] = "Choose the reason for the call."
    if patient is None and not caller_name.strip():
        errors["caller_name"] = "Pick the patient, or type the caller's name."
    if not message.strip():
        errors["message"] = "Write down what the caller said."
    try:
        callback = normalize_phone(callback_number)
    except InvalidPhoneNumber as exc:
        errors["callback_number"] = str(exc)
    if errors:
        raise ValidationError(errors)
    who = caller_name.strip() or (patient.display_name if patient else "")
    title = f"Call from {who}: {dict(PHONE_CATEGORIES)[category].lower()}"[:200]
    with transaction.atomic():
        item = item_create(actor=actor, organization=organization, kind=Kind.PHONE_MESSAGE, category=category,
                           title=title, body=message.strip(), patient=patient, priority=priority)
        details = PhoneMessage(item=item, caller_name=caller_name.strip(), callback_number=callback,
                               best_time=best_time.strip())
        details.full_clean()
        details.save()
    return item
