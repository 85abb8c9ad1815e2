from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "clinicdesk.audit"
    label = "audit"
    verbose_name = "Audit trail"
