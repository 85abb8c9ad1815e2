from django.apps import AppConfig


class FrontdeskConfig(AppConfig):
    name = "clinicdesk.frontdesk"
    label = "frontdesk"
    verbose_name = "Front desk"
