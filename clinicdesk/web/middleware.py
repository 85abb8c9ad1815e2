"""Cross-cutting request handling: login everywhere, and security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone

# Paths that answer without a session: the login page, static assets, and the APIs
# (which authenticate every request with a bearer token of their own), and the practitioners' calendar
# feeds (calendar programs cannot log in: the secret in the address is the key), and /m/: reminder links
# (signed, single use) and the SMS provider's inbound webhook (shared secret or signature), and /hl7/ (HL7 v2
# batches over HTTP, bearer token).
PUBLIC_PREFIXES = ("/login/", "/static/", "/fhir/", "/api/", "/healthz", "/calendar/feed/", "/m/", "/hl7/")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


class LoginRequiredEverywhereMiddleware:
    """Every page needs a logged-in user unless its path is listed as public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=401)
                response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                return response
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response


class PracticeTimezoneMiddleware:
    """Show times in the practice's own time zone (stored times stay UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        organization = getattr(request.user, "organization", None) if request.user.is_authenticated else None
        if organization is not None:
            timezone.activate(organization.tz)
        else:
            timezone.deactivate()
        return self.get_response(request)
