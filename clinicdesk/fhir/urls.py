"""/fhir/r4/: the ninja API, then a catch-all so that any other address under the base answers in FHIR."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt

from clinicdesk.fhir.api import api, unknown_path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", api.urls),
    re_path(r"^.*$", csrf_exempt(unknown_path)),
]
