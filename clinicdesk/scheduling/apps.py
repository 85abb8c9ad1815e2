from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "clinicdesk.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from clinicdesk.patients.chart import register_chart_section
        from clinicdesk.scheduling.chart import appointments_section

        register_chart_section(appointments_section)
