from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "clinicdesk.labs"
    label = "labs"
    verbose_name = "Labs"
