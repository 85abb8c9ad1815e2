from django.urls import path

from clinicdesk.scheduling import waitlist_views as views

app_name = "waitlist"
urlpatterns = [
    path("", views.waitlist_page, name="page"),
    path("new/<int:patient_id>/", views.waitlist_new, name="new"),
    path("offers/<int:offer_id>/<str:answer>/", views.offer_answer, name="answer"),
]
