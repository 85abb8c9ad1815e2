from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "clinicdesk.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from clinicdesk.messaging.chart import messages_section
        from clinicdesk.patients.chart import register_chart_section

        register_chart_section(messages_section)
