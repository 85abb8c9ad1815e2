from django.urls import path

from clinicdesk.insurance import payer_views as views

app_name = "payers"
urlpatterns = [
    path("", views.payer_list, name="list"),
    path("new/", views.payer_edit, name="new"),
    path("<int:pk>/", views.payer_edit, name="edit"),
    path("<int:payer_id>/plans/new/", views.plan_edit, name="plan_new"),
    path("<int:payer_id>/plans/<int:pk>/", views.plan_edit, name="plan_edit"),
]
