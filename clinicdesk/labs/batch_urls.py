from django.urls import path

from clinicdesk.labs import batch_views

app_name = "hl7"
urlpatterns = [
    path("batch", batch_views.batch, name="batch"),
]
