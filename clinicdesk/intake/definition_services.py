"""The form editor's writes: a saved form is always a new version; older versions stay as they were."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from pydantic import ValidationError as PydanticError

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.intake import questionnaire as q
from clinicdesk.intake.models import FormDefinition
from clinicdesk.practice.models import Organization

_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


def questionnaire_problems(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The Questionnaire parsed from JSON text and its problems, one message per problem (empty when usable)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"Line {exc.lineno}, column {exc.colno}: {exc.msg}."]
    if not isinstance(data, dict) or data.get("resourceType") != "Questionnaire":
        return None, ["The JSON must be one object with \"resourceType\": \"Questionnaire\"."]
    try:
        q.load(data)
    except PydanticError as exc:
        problems = []
        for error in exc.errors():
            where = " › ".join(str(part) for part in error.get("loc", ()) if part != "__root__")
            problems.append(f"{where or 'Questionnaire'}: {error.get('msg', 'invalid')}.")
        return data, problems
    except (ValueError, KeyError, TypeError) as exc:
        return data, [str(exc)]
    if not str(data.get("title", "")).strip():
        return data, ["The form needs a title."]
    return data, []


def definition_save(*, actor: Actor, organization: Organization, key: str, text: str) -> FormDefinition:
    """Save a form as the practice's next version of ``key`` (a new key starts at 1, a shipped form's edit at
    the shipped version + 1). ValidationError with one message per problem."""
    if not _KEY.fullmatch(key or ""):
        raise ValidationError({"key": "Use lower-case letters, digits and hyphens, like “sports-physical”."})
    data, problems = questionnaire_problems(text)
    if problems or data is None:
        raise ValidationError({"questionnaire": problems})
    with transaction.atomic():
        # Lock this practice's rows of the key, so two managers saving at once get consecutive versions.
        list(FormDefinition.objects.select_for_update().filter(organization=organization, key=key))
        top = (FormDefinition.objects.filter(Q(organization=organization) | Q(organization__isnull=True), key=key)
               .aggregate(top=Max("version"))["top"]) or 0
        data["version"] = str(top + 1)
        form = FormDefinition(organization=organization, key=key, version=top + 1, title=str(data["title"])[:200],
                              questionnaire=data, created_by=actor.user, created_at=timezone.now())
        form.full_clean()
        form.save()
        audit_record(actor=actor, action=Action.CREATE, object_type="intake.FormDefinition", object_id=form.pk,
                     organization_id=organization.pk, detail={"key": key, "version": form.version})
    return form
