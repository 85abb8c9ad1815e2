from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "clinicdesk.intake"
    label = "intake"
    verbose_name = "Intake forms"

    def ready(self) -> None:
        from clinicdesk.intake.chart import forms_section
        from clinicdesk.patients.chart import register_chart_section

        register_chart_section(forms_section)
