from django.urls import path

from clinicdesk.intake import editor_views, views

app_name = "intake"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_forms, name="patient"),
    path("patients/<int:patient_id>/send-link/", views.send_link, name="send_link"),
    path("assignments/<int:assignment_id>/", views.interview, name="interview"),
    path("assignments/<int:assignment_id>/cancel/", views.assignment_cancel, name="cancel"),
    path("responses/<int:response_id>/", views.response_detail, name="response"),
    path("cards/<int:card_id>/", views.card_image, name="card"),
    path("forms/", editor_views.form_list, name="forms"),
    path("forms/new/", editor_views.form_edit, name="form_new"),
    path("forms/<slug:key>/", editor_views.form_edit, name="form_edit"),
    path("forms/<slug:key>/items/", editor_views.form_items, name="form_items"),
]
