"""Login with lockout after repeated failures, and logout; both audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.staff.services import login_failed, login_is_locked, login_succeeded


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That user name and password do not match. Check Caps Lock and try again.",
        "locked": "Too many failed attempts: this account is locked for %(minutes)s minutes. "
                  "A manager can unlock it sooner.",
    }

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        if username and login_is_locked(username):
            # Audited, but not counted: attempts against a locked account must not extend the lock,
            # or anyone could keep a colleague locked out by typing their user name.
            login_failed(username=username, ip=self._ip(), counted=False)
            raise forms.ValidationError(self.error_messages["locked"], code="locked",
                                        params={"minutes": settings.CLINICDESK_LOCKOUT_MINUTES})
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                login_failed(username=username, ip=self._ip())
            raise

    def _ip(self) -> str | None:
        return self.request.META.get("REMOTE_ADDR") if self.request else None


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        login_succeeded(actor=Actor.from_request(self.request))
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            audit_record(actor=Actor.from_request(request), action=Action.LOGOUT, object_type="User",
                         object_id=request.user.pk)
        return super().post(request, *args, **kwargs)
