from django.urls import path

from clinicdesk.frontdesk import checkin_views, desk_views, views

app_name = "frontdesk"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("find/", checkin_views.find_patient, name="find"),
    path("appointments/<int:appointment_id>/step/", views.step_view, name="step"),
    path("appointments/<int:appointment_id>/check-in/", checkin_views.check_in, name="check_in"),
    path("appointments/<int:appointment_id>/check-out/", checkin_views.check_out, name="check_out"),
    path("appointments/<int:appointment_id>/follow-up/", checkin_views.follow_up, name="follow_up"),
    path("appointments/<int:appointment_id>/face-sheet.pdf", checkin_views.face_sheet, name="face_sheet"),
    path("appointments/<int:appointment_id>/summary.pdf", checkin_views.summary, name="summary"),
    path("walk-ins/new/", desk_views.walkin_new, name="walkin_new"),
    path("walk-ins/<int:walk_in_id>/assign/", desk_views.walkin_assign_view, name="walkin_assign"),
    path("walk-ins/<int:walk_in_id>/leave/", desk_views.walkin_leave_view, name="walkin_leave"),
    path("settings/", desk_views.desk_settings, name="settings"),
    path("visitors/", desk_views.visitors, name="visitors"),
    path("visitors/<int:entry_id>/direct/", desk_views.visitor_direct_view, name="visitor_direct"),
    path("visitors/<int:entry_id>/leave/", desk_views.visitor_leave_view, name="visitor_leave"),
]
