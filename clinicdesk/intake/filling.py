"""What the interview screen and the patient's link page share: reading a posted form and acting on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from clinicdesk.audit.services import Actor
from clinicdesk.intake import questionnaire as q
from clinicdesk.intake.models import FormAssignment, FormResponse
from clinicdesk.intake.rendering import (
    Node,
    add_instance,
    build,
    first_question,
    read_post,
    remove_instance,
    shape,
)
from clinicdesk.intake.services import FormInvalid, definition_of, response_save, response_submit


@dataclass
class Outcome:
    nodes: list[Node]
    submitted: FormResponse | None = None
    problems: list[q.Problem] = field(default_factory=list)
    saved: FormResponse | None = None
    problems_shown: int = 0
    focus: str = ""

    @property
    def shape(self) -> str:
        return shape(self.nodes)

    def unchanged(self, data: Any) -> bool:
        """Whether the page already shows these items and errors (posted ``_shape``): then nothing is swapped."""
        return bool(data.get("_shape")) and data.get("_shape") == self.shape


def show(assignment: FormAssignment) -> Outcome:
    """The form as last saved (a resumed draft), with the problems of what was typed (not the missing answers)."""
    questionnaire = definition_of(assignment.form)
    response = FormResponse.objects.filter(assignment=assignment).first()
    raw = dict(response.answers) if response else {}
    problems = q.validate(questionnaire, raw) if raw else []
    return Outcome(nodes=build(questionnaire, raw, problems, show_required=False))


def act(*, actor: Actor, assignment: FormAssignment, data: Any, source: str, action: str,
        cards: dict[str, UploadedFile] | None = None) -> Outcome:
    """``action``: "save" (also the htmx refresh), "submit", "add:<group key>" or "remove:<instance key>"."""
    questionnaire = definition_of(assignment.form)
    raw, counts = read_post(questionnaire, data)
    if action.startswith("add:"):
        add_instance(counts, raw, action[4:])
    elif action.startswith("remove:"):
        raw = remove_instance(raw, counts, action[7:])
    if action == "submit":
        try:
            response = response_submit(actor=actor, assignment=assignment, answers=raw, source=source, cards=cards)
        except FormInvalid as exc:
            response, _ = response_save(actor=actor, assignment=assignment, answers=raw, source=source)
            nodes = build(questionnaire, raw, exc.problems, counts, show_required=True)
            return Outcome(nodes=nodes, problems=exc.problems, saved=response, problems_shown=len(exc.problems))
        return Outcome(nodes=[], submitted=response)
    response, problems = response_save(actor=actor, assignment=assignment, answers=raw, source=source)
    nodes = build(questionnaire, raw, problems, counts, show_required=False)
    focus = ""
    if action.startswith("add:"):
        base = action[4:]
        focus = first_question(nodes, f"{base}[{max(counts.get(base, 1) - 1, 0)}]/")
    return Outcome(nodes=nodes, problems=problems, saved=response, focus=focus)
