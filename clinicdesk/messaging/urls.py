"""Public addresses under /m/ (no login: signed links and the provider's webhook authenticate themselves)."""

from django.urls import path

from clinicdesk.messaging import inbound, link_views

app_name = "messaging"

urlpatterns = [
    path("sms/inbound/<str:provider>/", inbound.sms_inbound, name="sms_inbound"),
    path("<str:token>/", link_views.link, name="link"),
]
