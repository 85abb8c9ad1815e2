from django.apps import AppConfig


class ChartUpdatesConfig(AppConfig):
    name = "clinicdesk.chartupdates"
    label = "chartupdates"
    verbose_name = "Proposed chart updates"

    def ready(self) -> None:
        from clinicdesk.chartupdates.chart import proposals_section
        from clinicdesk.patients.chart import register_chart_section

        register_chart_section(proposals_section)
