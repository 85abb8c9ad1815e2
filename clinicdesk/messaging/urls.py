"""Public addresses under /m/ (no login: signed links and the provider's webhook authenticate themselves)."""

from django.urls import path

from clinicdesk.messaging import callbacks, inbound, link_views

app_name = "messaging"

urlpatterns = [
    path("sms/inbound/<str:provider>/", inbound.sms_inbound, name="sms_inbound"),
    path("sms/status/<str:provider>/", callbacks.sms_status, name="sms_status"),
    path("offer/<str:token>/", link_views.offer, name="offer"),
    path("<str:token>/", link_views.link, name="link"),
]
