from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "clinicdesk.practice"
    label = "practice"
    verbose_name = "Practice structure"
