from django.urls import path

from clinicdesk.labs import reconcile_views, views

app_name = "labs"
urlpatterns = [
    path("patients/<int:patient_id>/results/", views.patient_results, name="patient_results"),
    path("reports/<int:report_id>/", views.report_download, name="report"),
    path("reconcile/", reconcile_views.reconcile_queue, name="reconcile"),
    path("reconcile/<int:match_id>/", reconcile_views.match_review, name="match"),
]
