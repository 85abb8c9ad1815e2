from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "clinicdesk.demo"
    label = "demo"
    verbose_name = "Demo practice"
