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
_INBOX_WORK: list[str] = []
_INBOX_MANAGE: list[str] = []
_FRONTDESK_WORK: list[str] = []
_INTAKE_WORK: list[str] = []
_INTAKE_MANAGE: list[str] = []
_MESSAGING_WORK: list[str] = []
_MESSAGING_MANAGE: list[str] = []
_DOCUMENTS_WORK: list[str] = []
_RESULTS_READ: list[str] = []

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
    Role.ADMIN: [*_MANAGER_ALL, "staff.use_api"],
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
