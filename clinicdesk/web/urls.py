from django.urls import include, path

from clinicdesk.web import auth, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("patients/", include("clinicdesk.patients.urls")),
    path("patients/<int:patient_id>/coverages/", include("clinicdesk.insurance.urls")),
    path("staff/", include("clinicdesk.staff.urls")),
    path("practice/", include("clinicdesk.practice.urls")),
    path("schedule/setup/", include("clinicdesk.scheduling.setup_urls")),
    path("calendar/", include("clinicdesk.scheduling.calendar_urls")),
    path("waitlist/", include("clinicdesk.scheduling.waitlist_urls")),
    path("series/", include("clinicdesk.scheduling.series_urls")),
    path("schedule/", include("clinicdesk.scheduling.urls")),
    path("frontdesk/", include("clinicdesk.frontdesk.urls")),
    path("payers/", include("clinicdesk.insurance.payer_urls")),
    path("audit/", include("clinicdesk.audit.urls")),
    path("inbox/", include("clinicdesk.inbox.urls")),
    path("intake/", include("clinicdesk.intake.urls")),
    path("chart-updates/", include("clinicdesk.chartupdates.urls")),
    path("m/forms/", include("clinicdesk.intake.link_urls")),
    path("m/", include("clinicdesk.messaging.urls")),
    path("messages/", include("clinicdesk.messaging.staff_urls")),
    path("hl7/", include("clinicdesk.labs.batch_urls")),
    path("labs/", include("clinicdesk.labs.urls")),
    path("documents/", include("clinicdesk.documents.urls")),
]
