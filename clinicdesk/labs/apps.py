from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "clinicdesk.labs"
    label = "labs"
    verbose_name = "Labs"

    def ready(self) -> None:
        from clinicdesk.labs.views import results_section
        from clinicdesk.patients.chart import register_chart_section

        register_chart_section(results_section)
