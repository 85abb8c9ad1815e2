from django.urls import include, path

urlpatterns = [
    path("", include("clinicdesk.web.urls")),
]
