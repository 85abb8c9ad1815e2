from django.urls import path

from clinicdesk.chartupdates import views

app_name = "chartupdates"
urlpatterns = [
    path("patients/<int:patient_id>/", views.review, name="review"),
    path("<int:proposal_id>/<str:decision>/", views.decide, name="decide"),
]
