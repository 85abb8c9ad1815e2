"""The navigation's Documents link carries the number of documents waiting for classification."""

from __future__ import annotations

from typing import Any

from django import template

from clinicdesk.documents.selectors import unclassified_count

register = template.Library()


@register.simple_tag(takes_context=True)
def documents_waiting(context: dict[str, Any]) -> int:
    user = context.get("user")
    organization_id = getattr(user, "organization_id", None)
    return unclassified_count(organization_id) if organization_id else 0
