from django.urls import path

from clinicdesk.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:document_id>/", views.classify, name="classify"),
    path("<int:document_id>/discard/", views.discard, name="discard"),
    path("<int:document_id>/restore/", views.restore, name="restore"),
    path("<int:document_id>/patients/", views.patient_choices, name="patients"),
    path("<int:document_id>/file/<str:mode>/", views.document_file, name="file"),
]
