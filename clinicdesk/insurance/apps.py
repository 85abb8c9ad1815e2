from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "clinicdesk.insurance"
    label = "insurance"
    verbose_name = "Insurance"
