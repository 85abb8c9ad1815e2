"""The inbox count on the navigation badge."""

from __future__ import annotations

from typing import Any

from django import template

from clinicdesk.inbox.selectors import open_count

register = template.Library()


@register.simple_tag
def inbox_open_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False) or not user.has_perm("inbox.view_inboxitem"):
        return 0
    return open_count(user)
