"""Building small Questionnaires inline for the kernel tests."""

from __future__ import annotations

from typing import Any

from clinicdesk.intake.questionnaire import Questionnaire, load


def form(*items: dict[str, Any]) -> Questionnaire:
    return load({"resourceType": "Questionnaire", "url": "urn:clinicdesk:questionnaire:test", "version": "1",
                 "status": "active", "item": list(items)})


def item(link_id: str, type_: str, text: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"linkId": link_id, "type": type_, "text": text or link_id.replace("-", " ").capitalize(), **extra}


def when(question: str, operator: str, **answer: Any) -> dict[str, Any]:
    return {"question": question, "operator": operator, **answer}
