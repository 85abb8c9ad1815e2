"""Sections other apps add to the patient's chart, so that patients never imports them.

An app registers a function in its AppConfig.ready(); the chart view calls each one with the patient and
includes the template it names. (The way GNU Health's peripheral modules extend the patient.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clinicdesk.patients.models import Patient


@dataclass(frozen=True)
class Section:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionBuilder = Callable[[Patient, Any], Section | None]
_builders: list[SectionBuilder] = []


def register_chart_section(builder: SectionBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def chart_sections(patient: Patient, user: Any) -> list[Section]:
    return [s for build in _builders if (s := build(patient, user)) is not None]
