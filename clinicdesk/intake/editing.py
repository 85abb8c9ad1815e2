"""The simple form editor's operations on a Questionnaire (plain JSON data): list the items, change an item's
text, type, required flag and options, move it among its siblings, remove it, add one. Pure; each function
returns a new dict and leaves its input alone."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

EDITABLE_TYPES = ("string", "text", "integer", "decimal", "date", "boolean", "choice", "display", "group")


@dataclass(frozen=True)
class Row:
    link_id: str
    depth: int
    text: str
    type: str
    required: bool
    repeats: bool
    options: str  # the choices' labels, one per line
    first: bool
    last: bool


def _walk(items: list[dict[str, Any]], depth: int = 0) -> Iterator[tuple[dict[str, Any], int, bool, bool]]:
    for position, item in enumerate(items):
        yield item, depth, position == 0, position == len(items) - 1
        yield from _walk(item.get("item", []), depth + 1)


def _label(option: Mapping[str, Any]) -> str:
    if "valueCoding" in option:
        coding = option["valueCoding"]
        return str(coding.get("display") or coding.get("code", ""))
    return next((str(v) for k, v in option.items() if k.startswith("value")), "")


def rows(data: Mapping[str, Any]) -> list[Row]:
    return [Row(link_id=str(item.get("linkId", "")), depth=depth, text=str(item.get("text", "")),
                type=str(item.get("type", "")), required=bool(item.get("required")), repeats=bool(item.get("repeats")),
                options="\n".join(_label(o) for o in item.get("answerOption", [])), first=first, last=last)
            for item, depth, first, last in _walk(list(data.get("item", [])))]


def _siblings(data: dict[str, Any], link_id: str) -> tuple[list[dict[str, Any]], int] | None:
    def search(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int] | None:
        for index, item in enumerate(items):
            if item.get("linkId") == link_id:
                return items, index
            found = search(item.get("item", []))
            if found:
                return found
        return None

    return search(data.setdefault("item", []))


def apply_edits(data: Mapping[str, Any], posted: Mapping[str, Any]) -> dict[str, Any]:
    """Take ``text:<linkId>``, ``type:<linkId>``, ``required:<linkId>`` ("on" when ticked; absent means off
    only when ``shown:<linkId>`` is present) and ``options:<linkId>`` (one label per line) from a posted form."""
    out = copy.deepcopy(dict(data))
    for item, _, _, _ in list(_walk(out.get("item", []))):
        link_id = item.get("linkId")
        if f"shown:{link_id}" not in posted:
            continue
        text = str(posted.get(f"text:{link_id}", item.get("text", ""))).strip()
        if text:
            item["text"] = text
        kind = str(posted.get(f"type:{link_id}", item.get("type")))
        if kind in EDITABLE_TYPES and not (item.get("item") and kind != "group"):
            item["type"] = kind
        if item.get("type") == "display":
            item.pop("required", None)
        elif posted.get(f"required:{link_id}"):
            item["required"] = True
        else:
            item.pop("required", None)
        if item.get("type") == "choice":
            labels = [line.strip() for line in str(posted.get(f"options:{link_id}", "")).splitlines() if line.strip()]
            old = {_label(o): o for o in item.get("answerOption", [])}
            if labels != list(old):
                item["answerOption"] = [old.get(label) or {"valueString": label} for label in labels]
        else:
            item.pop("answerOption", None)
    return out


def move(data: Mapping[str, Any], link_id: str, delta: int) -> dict[str, Any]:
    out = copy.deepcopy(dict(data))
    found = _siblings(out, link_id)
    if found:
        items, index = found
        target = index + delta
        if 0 <= target < len(items):
            items[index], items[target] = items[target], items[index]
    return out


def remove(data: Mapping[str, Any], link_id: str) -> dict[str, Any]:
    out = copy.deepcopy(dict(data))
    found = _siblings(out, link_id)
    if found:
        items, index = found
        del items[index]
    return out


def add(data: Mapping[str, Any], kind: str = "string", parent: str = "") -> dict[str, Any]:
    """A new item at the end of the form (or of the group ``parent``), with a fresh linkId."""
    out = copy.deepcopy(dict(data))
    taken = {str(item.get("linkId")) for item, _, _, _ in _walk(out.get("item", []))}
    number = 1
    while f"question-{number}" in taken:
        number += 1
    item: dict[str, Any] = {"linkId": f"question-{number}", "text": "New question",
                            "type": kind if kind in EDITABLE_TYPES else "string"}
    if item["type"] == "choice":
        item["answerOption"] = [{"valueString": "Yes"}, {"valueString": "No"}]
    if item["type"] == "group":
        item["item"] = [{"linkId": f"question-{number}-1", "text": "New question", "type": "string"}]
    target = out.setdefault("item", [])
    if parent:
        found = _siblings(out, parent)
        if found and found[0][found[1]].get("type") == "group":
            target = found[0][found[1]].setdefault("item", [])
    target.append(item)
    return out


def parse_action(action: str) -> tuple[str, str]:
    """``"up:dob"`` → ("up", "dob"); unknown shapes → ("", "")."""
    match = re.fullmatch(r"(up|down|remove|add|addto|save|refresh):?(.*)", action or "")
    return (match[1], match[2]) if match else ("", "")
