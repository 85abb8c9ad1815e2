from django.urls import path

from clinicdesk.scheduling import calendar_views as views

app_name = "calendar"
urlpatterns = [
    path("appointments/<int:appointment_id>.ics", views.appointment_ics, name="appointment_ics"),
    path("feeds/", views.feed_list, name="feeds"),
    path("feeds/new/<int:practitioner_id>/", views.feed_new, name="feed_new"),
    path("feeds/<int:feed_id>/revoke/", views.feed_revoke_view, name="feed_revoke"),
    path("feed/<str:secret>.ics", views.feed_serve, name="feed"),
]
