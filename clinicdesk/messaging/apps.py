from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "clinicdesk.messaging"
    label = "messaging"
    verbose_name = "Messaging"
