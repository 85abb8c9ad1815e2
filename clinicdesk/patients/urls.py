from django.urls import path

from clinicdesk.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_new, name="new"),
    path("<int:patient_id>/", views.patient_chart, name="chart"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/merge/", views.patient_merge_view, name="merge"),
    path("merges/<int:merge_id>/undo/", views.patient_unmerge_view, name="unmerge"),
]
