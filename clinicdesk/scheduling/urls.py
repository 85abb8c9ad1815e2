from django.urls import path

from clinicdesk.scheduling import appointment_views, booking_views, views

app_name = "schedule"
urlpatterns = [
    path("", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    path("print/", views.print_view, name="print"),
    path("book/", booking_views.book_view, name="book"),
    path("book/patients/", booking_views.book_patients, name="book_patients"),
    path("appointments/<int:appointment_id>/", appointment_views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/status/", appointment_views.appointment_status, name="status"),
    path("appointments/<int:appointment_id>/cancel/", appointment_views.appointment_cancel_view, name="cancel"),
    path("appointments/<int:appointment_id>/reschedule/", appointment_views.appointment_reschedule_view,
         name="reschedule"),
]
