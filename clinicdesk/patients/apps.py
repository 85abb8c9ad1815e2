from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "clinicdesk.patients"
    label = "patients"
    verbose_name = "Patients"
