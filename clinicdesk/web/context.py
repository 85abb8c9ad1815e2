"""Template context for the shell (top bar, navigation)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"organization": user.organization, "role_label": ", ".join(user.role_names)}
