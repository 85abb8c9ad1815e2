from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "clinicdesk.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from django.urls import reverse

        from clinicdesk.documents.chart import documents_section
        from clinicdesk.inbox.sources import register_source
        from clinicdesk.patients.chart import register_chart_section

        register_chart_section(documents_section)
        # An inbox item "documents.Document:<id>" opens the document's classification screen.
        register_source("documents.Document", lambda pk: reverse("documents:classify", args=[int(pk)]))
