from django.urls import include, path

urlpatterns = [
    path("fhir/r4/", include("clinicdesk.fhir.urls")),
    path("", include("clinicdesk.web.urls")),
]
