"""The patient's form link pages, under /m/forms/ (public: the signed token authenticates)."""

from django.urls import path

from clinicdesk.intake import link_views

app_name = "intake_link"

urlpatterns = [
    path("<str:token>/", link_views.start, name="start"),
    path("<str:token>/<int:assignment_id>/", link_views.fill, name="fill"),
]
