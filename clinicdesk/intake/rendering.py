"""A questionnaire and its raw answers as a tree of nodes for the form templates, and posted data back to raw
answers. No Django models; the templates (``intake/_items.html``) walk the nodes in order.

Repeating groups: ``_n:<base>`` (posted as a hidden field) keeps how many instances are on screen, so an
instance just added (still empty) stays until it is filled in or removed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from clinicdesk.intake import questionnaire as q
from clinicdesk.intake.questionnaire.model import _join
from clinicdesk.intake.questionnaire.validation import _instances

COUNT_PREFIX = "_n:"
MAX_INSTANCES = 30


@dataclass
class Node:
    item: q.Item
    key: str
    dom_id: str
    label: str
    kind: str  # "display", "group", "repeat", "question"
    widget: str = ""  # text, textarea, number, date, radio, select, checkboxes, yesno, email, tel
    value: Any = None
    values: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    count: int = 0


@dataclass
class Instance:
    key: str
    number: int
    children: list[Node]


def dom_id(key: str) -> str:
    return "q-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def _widget(item: q.Item) -> str:
    if item.type == "choice":
        if item.repeats:
            return "checkboxes"
        return "radio" if len(item.options) <= 4 else "select"
    if item.type == "boolean":
        return "yesno"
    if item.type == "text":
        return "textarea"
    if item.type == "date":
        return "date"
    if item.type in ("integer", "decimal"):
        return "number"
    if "email" in item.link_id:
        return "email"
    if "phone" in item.link_id:
        return "tel"
    return "text"


def build(questionnaire: q.Questionnaire, raw: Mapping[str, Any], problems: list[q.Problem],
          counts: Mapping[str, int] | None = None, show_required: bool = True) -> list[Node]:
    """The enabled items in order, with their values and the problems next to them. Without ``show_required``,
    "is required" problems are left out (an interview in progress is not an error)."""
    by_key: dict[str, list[str]] = {}
    for problem in problems:
        if not show_required and (problem.key not in raw or problem.message.endswith(("add at least one.",
                                                                                      "fill in this section."))):
            continue
        by_key.setdefault(problem.key, []).append(problem.message)
    counts = counts or {}

    def nodes(items: tuple[q.Item, ...], prefix: str) -> list[Node]:
        out = []
        for item in items:
            key = _join(prefix, item.link_id)
            if not q.enabled(item, raw, key):
                continue
            node = Node(item=item, key=key, dom_id=dom_id(key), label=item.text, kind="question",
                        errors=by_key.get(key, []))
            if item.type == "display":
                node.kind = "display"
            elif item.is_repeating_group:
                node.kind = "repeat"
                present = _instances(raw, key)
                count = max(counts.get(key, 0), (max(present) + 1) if present else 0, 1)
                node.count = min(count, MAX_INSTANCES)
                node.instances = [Instance(key=f"{key}[{i}]", number=i + 1,
                                           children=nodes(item.items, f"{key}[{i}]")) for i in range(node.count)]
            elif item.type == "group":
                node.kind = "group"
                node.children = nodes(item.items, key)
            else:
                node.widget = _widget(item)
                value = raw.get(key)
                if isinstance(value, list):
                    node.values = [str(v) for v in value]
                    node.value = node.values[0] if node.values else ""
                else:
                    node.value = "" if value is None else ("yes" if value is True else "no" if value is False
                                                           else str(value))
                    node.values = [node.value] if node.value else []
            out.append(node)
        return out

    return nodes(questionnaire.items, "")


def read_post(questionnaire: q.Questionnaire, data: Any) -> tuple[dict[str, Any], dict[str, int]]:
    """Raw answers and instance counts out of posted form data (a QueryDict or a mapping of lists)."""
    answers: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for key in data:
        if key.startswith(COUNT_PREFIX):
            with suppress(TypeError, ValueError):
                counts[key[len(COUNT_PREFIX):]] = max(0, min(int(data.get(key)), MAX_INSTANCES))
            continue
        parsed = q.parse_key(key)
        if parsed is None:
            continue
        item = questionnaire.by_link_id.get(parsed[-1][0])
        if item is None or item.type in ("group", "display"):
            continue
        given = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
        values = [v for v in given if v not in ("", None)]
        if not values:
            continue
        answers[key] = values if item.repeats else values[-1]
    return answers, counts


def add_instance(counts: dict[str, int], raw: Mapping[str, Any], base: str) -> None:
    present = _instances(raw, base)
    current = max(counts.get(base, 0), (max(present) + 1) if present else 0, 1)
    counts[base] = min(current + 1, MAX_INSTANCES)


def remove_instance(answers: dict[str, Any], counts: dict[str, int], instance_key: str) -> dict[str, Any]:
    """Drop one instance (``"medications[1]"``) and move the later ones up; returns the new answers."""
    match = re.fullmatch(r"(.*)\[(\d+)\]", instance_key)
    if not match:
        return answers
    base, index = match[1], int(match[2])
    out: dict[str, Any] = {}
    head = base + "["
    for key, value in answers.items():
        if key.startswith(head):
            found = re.match(r"\[(\d+)\](/.*)", key[len(base):])
            if found:
                number = int(found[1])
                if number == index:
                    continue
                if number > index:
                    key = f"{base}[{number - 1}]{found[2]}"
        out[key] = value
    if base in counts:
        counts[base] = max(counts[base] - 1, 1)
    return out


def shape(nodes: list[Node]) -> str:
    """A fingerprint of what is on screen apart from the values: which items, instances and errors. The htmx
    refresh swaps the form only when this changes, so typing in the next field is never overwritten."""
    parts: list[str] = []

    def walk(items: list[Node]) -> None:
        for node in items:
            parts.append(f"{node.key}|{node.kind}|{node.count}|{'/'.join(node.errors)}")
            walk(node.children)
            for instance in node.instances:
                walk(instance.children)

    walk(nodes)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def first_question(nodes: list[Node], prefix: str) -> str:
    """The key of the first question at or under ``prefix`` (where the cursor goes after "add another")."""
    for node in nodes:
        if node.kind == "question" and node.key.startswith(prefix):
            return node.key
        found = first_question(node.children, prefix) or next(
            (key for inst in node.instances if (key := first_question(inst.children, prefix))), "")
        if found:
            return found
    return ""
