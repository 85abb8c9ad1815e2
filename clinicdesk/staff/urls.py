from django.urls import path

from clinicdesk.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("practitioners/new/", views.practitioner_edit, name="practitioner_new"),
    path("practitioners/<int:practitioner_id>/", views.practitioner_edit, name="practitioner_edit"),
]
