from django.urls import path

from clinicdesk.practice import views

app_name = "practice"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("details/", views.organization_edit, name="organization_edit"),
    path("locations/new/", views.location_edit, name="location_new"),
    path("locations/<int:pk>/", views.location_edit, name="location_edit"),
    path("rooms/new/", views.room_edit, name="room_new"),
    path("rooms/<int:pk>/", views.room_edit, name="room_edit"),
    path("departments/new/", views.department_edit, name="department_new"),
    path("departments/<int:pk>/", views.department_edit, name="department_edit"),
]
