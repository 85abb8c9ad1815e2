from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clinicdesk.web"
    label = "web"
    verbose_name = "Web shell"
