from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StaffConfig(AppConfig):
    name = "clinicdesk.staff"
    label = "staff"
    verbose_name = "Staff and roles"

    def ready(self) -> None:
        from clinicdesk.staff.roles import sync_role_groups

        # Permissions exist only after migrate has run, so the role groups are kept in step there.
        post_migrate.connect(sync_role_groups)
