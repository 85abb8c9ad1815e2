"""The side navigation's "Results to match" count."""

from __future__ import annotations

from typing import Any

from django import template

from clinicdesk.labs.models import MatchStatus, ResultMatch

register = template.Library()


@register.simple_tag(takes_context=True)
def results_to_match_count(context: Any) -> int:
    """Results waiting in the reconciliation queue of the user's practice (a count, no patient data)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated or user.organization_id is None:
        return 0
    return ResultMatch.objects.filter(organization_id=user.organization_id, status=MatchStatus.NEEDS_REVIEW).count()
