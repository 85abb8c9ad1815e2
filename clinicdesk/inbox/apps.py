from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "clinicdesk.inbox"
    label = "inbox"
    verbose_name = "Inbox"
