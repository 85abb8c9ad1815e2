"""The five roles, as Django groups with exactly these permissions.

Views check permissions, never role names, so a practice can give a person two roles or
adjust a group in the admin without code changes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices


class Role(TextChoices):
    FRONTDESK = "frontdesk", "Front desk"
    BILLING = "billing", "Billing"
    CLINICIAN = "clinician", "Clinician"
    MANAGER = "manager", "Practice manager"
    ADMIN = "admin", "Administrator"


_PATIENT_READ = ["patients.view_patient", "insurance.view_coverage", "insurance.view_payer"]
_PATIENT_WRITE = ["patients.add_patient", "patients.change_patient"]
_COVERAGE_WRITE = ["insurance.add_coverage", "insurance.change_coverage"]
_PAYER_WRITE = ["insurance.add_payer", "insurance.change_payer", "insurance.add_plan", "insurance.change_plan"]
_MANAGE = [
    "patients.merge_patient",
    "audit.view_auditevent",
    "staff.manage_staff",
    "staff.view_practitioner",
    "practice.change_organization",
]

_SCHEDULE_READ = ["scheduling.view_appointment"]
_SCHEDULE_WRITE = ["scheduling.view_appointment", "scheduling.add_appointment", "scheduling.change_appointment"]

# One list per area. Work: the day-to-day screens; manage: the practice manager's settings screens.
_INBOX_WORK: list[str] = ["inbox.view_inboxitem", "inbox.add_inboxitem", "inbox.change_inboxitem"]
_INBOX_MANAGE: list[str] = [
    "inbox.view_all_inboxitem", "inbox.view_routingrule", "inbox.add_routingrule", "inbox.change_routingrule",
    "inbox.view_pool", "inbox.add_pool", "inbox.change_pool", "inbox.view_absence", "inbox.add_absence",
    "inbox.change_absence", "inbox.view_oncall", "inbox.add_oncall", "inbox.change_oncall",
]
_FRONTDESK_WORK: list[str] = [
    "frontdesk.view_visit", "frontdesk.add_visit", "frontdesk.change_visit", "frontdesk.view_walkin",
    "frontdesk.add_walkin", "frontdesk.change_walkin", "frontdesk.view_visitorentry", "frontdesk.add_visitorentry",
    "frontdesk.change_visitorentry",
]
_INTAKE_WORK: list[str] = [
    "intake.view_formdefinition", "intake.view_formassignment", "intake.add_formassignment",
    "intake.change_formassignment", "intake.view_formresponse", "intake.add_formresponse",
    "intake.change_formresponse", "chartupdates.view_proposedupdate", "chartupdates.change_proposedupdate",
]
_INTAKE_MANAGE: list[str] = ["intake.add_formdefinition", "intake.change_formdefinition"]
_MESSAGING_WORK: list[str] = ["messaging.view_outboundmessage", "messaging.add_outboundmessage",
                               "messaging.change_outboundmessage"]
_MESSAGING_MANAGE: list[str] = ["messaging.view_reminderpolicy", "messaging.add_reminderpolicy",
                                 "messaging.change_reminderpolicy", "messaging.view_messagetemplate",
                                 "messaging.add_messagetemplate", "messaging.change_messagetemplate",
                                 "messaging.change_messagingsettings"]
_DOCUMENTS_WORK: list[str] = ["documents.view_document", "documents.add_document", "documents.change_document"]
_RESULTS_READ: list[str] = ["labs.view_laborder", "labs.view_labobservation", "labs.view_labreport",
                             "labs.view_resultmatch", "labs.change_resultmatch"]
# Lab interfaces posting HL7 v2 batches over HTTP (POST /hl7/batch) run as a service user with the admin role.
_HL7_INTAKE = ["labs.add_inboundmessage"]

_MANAGER_ALL = (_PATIENT_READ + _PATIENT_WRITE + _COVERAGE_WRITE + _PAYER_WRITE + _SCHEDULE_WRITE + _MANAGE
                + _INBOX_WORK + _INBOX_MANAGE + _FRONTDESK_WORK + _INTAKE_WORK + _INTAKE_MANAGE
                + _MESSAGING_WORK + _MESSAGING_MANAGE + _DOCUMENTS_WORK + _RESULTS_READ)

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.FRONTDESK: _PATIENT_READ + _PATIENT_WRITE + _COVERAGE_WRITE + _SCHEDULE_WRITE
    + _INBOX_WORK + _FRONTDESK_WORK + _INTAKE_WORK + _MESSAGING_WORK + _DOCUMENTS_WORK + _RESULTS_READ,
    Role.BILLING: _PATIENT_READ + _COVERAGE_WRITE + _PAYER_WRITE + _SCHEDULE_READ
    + _INBOX_WORK + _MESSAGING_WORK + _DOCUMENTS_WORK,
    Role.CLINICIAN: _PATIENT_READ + ["patients.change_patient", *_SCHEDULE_READ, "scheduling.change_appointment"]
    + _INBOX_WORK + _INTAKE_WORK + _DOCUMENTS_WORK + _RESULTS_READ,
    Role.MANAGER: list(_MANAGER_ALL),
    Role.ADMIN: [*_MANAGER_ALL, "staff.use_api", *_HL7_INTAKE],
}
# Front desk and clinicians reach the FHIR API too (integrations run as a service user).
for _role in (Role.FRONTDESK, Role.BILLING, Role.CLINICIAN, Role.MANAGER):
    ROLE_PERMISSIONS[_role].append("staff.use_api")


def sync_role_groups(app_config: Any = None, **_: Any) -> None:
    """Create or update one group per role with exactly its permissions.

    Runs after migrate, once the last app with models has migrated (so every app's permissions exist;
    Django sends post_migrate only for apps with models)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is not None and app_config is not with_models[-1]:
        return

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
