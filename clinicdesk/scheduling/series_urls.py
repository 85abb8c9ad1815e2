from django.urls import path

from clinicdesk.scheduling import series_views as views

app_name = "series"
urlpatterns = [path("new/<int:patient_id>/", views.series_new, name="new")]
