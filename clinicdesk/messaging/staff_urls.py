"""Staff screens under /messages/ (login required; the public /m/ addresses are in urls.py)."""

from django.urls import path

from clinicdesk.messaging import adhoc_views, policy_views, staff_views

app_name = "messages"

urlpatterns = [
    path("", staff_views.message_log, name="log"),
    path("<int:message_id>/", staff_views.message_detail, name="detail"),
    path("<int:message_id>/retry/", staff_views.message_retry_view, name="retry"),
    path("outbox/", staff_views.outbox_page, name="outbox"),
    path("outbox/send-again/", staff_views.outbox_send_again, name="send_again"),
    path("failed-reminders/", staff_views.day_failed, name="day_failed"),
    path("policies/", policy_views.policy_list, name="policies"),
    path("policies/new/", policy_views.policy_edit, name="policy_new"),
    path("policies/<int:policy_id>/", policy_views.policy_edit, name="policy_edit"),
    path("settings/", policy_views.settings_edit, name="settings"),
    path("templates/new/", policy_views.template_edit, name="template_new"),
    path("templates/<int:template_id>/", policy_views.template_edit, name="template_edit"),
    path("templates/preview/", policy_views.template_preview, name="template_preview"),
    path("send/", adhoc_views.adhoc_list, name="adhoc"),
    path("send/patient/<int:patient_id>/", adhoc_views.adhoc_patient, name="adhoc_patient"),
]
