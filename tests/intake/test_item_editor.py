"""The item-by-item form editor: edit text/type/required/choices, move, remove, add, then save a new version."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from clinicdesk.intake import editing
from clinicdesk.intake.selectors import definition_current
from tests.conftest import client_for

FORM = {"resourceType": "Questionnaire", "status": "active", "title": "T", "item": [
    {"linkId": "a", "text": "A", "type": "string", "required": True},
    {"linkId": "g", "text": "G", "type": "group", "item": [{"linkId": "g1", "text": "G1", "type": "string"}]},
    {"linkId": "c", "text": "C", "type": "choice",
     "answerOption": [{"valueCoding": {"system": "s", "code": "x", "display": "Ex"}}]},
]}


def test_rows_list_every_item_in_order_with_depth():
    assert [(r.link_id, r.depth, r.first, r.last) for r in editing.rows(FORM)] == [
        ("a", 0, True, False), ("g", 0, False, False), ("g1", 1, True, True), ("c", 0, False, True)]
    assert editing.rows(FORM)[3].options == "Ex"


def test_edits_keep_existing_codings_and_add_new_choices():
    posted = {"shown:a": "1", "text:a": "Alpha", "type:a": "text", "shown:c": "1", "type:c": "choice",
              "options:c": "Ex\nWhy", "required:c": "on"}
    out = editing.apply_edits(FORM, posted)
    assert out["item"][0] == {"linkId": "a", "text": "Alpha", "type": "text"}  # unticked: not required
    assert out["item"][2]["answerOption"] == [{"valueCoding": {"system": "s", "code": "x", "display": "Ex"}},
                                              {"valueString": "Why"}]
    assert out["item"][2]["required"] is True
    assert FORM["item"][0]["text"] == "A"  # input untouched


def test_move_remove_add():
    assert [i["linkId"] for i in editing.move(FORM, "c", -1)["item"]] == ["a", "c", "g"]
    assert [i["linkId"] for i in editing.move(FORM, "a", -1)["item"]] == ["a", "g", "c"]
    assert [i["linkId"] for i in editing.remove(FORM, "g")["item"]] == ["a", "c"]
    added = editing.add(FORM, "choice")
    assert added["item"][-1]["linkId"] == "question-1" and added["item"][-1]["type"] == "choice"
    inside = editing.add(FORM, "string", parent="g")
    assert [i["linkId"] for i in inside["item"][1]["item"]] == ["g1", "question-1"]


@pytest.mark.django_db
def test_manager_reorders_and_saves_a_new_version(manager, org):
    client = client_for(manager)
    url = reverse("intake:form_items", args=["consent-to-treat"])
    page = client.get(url)
    assert page.status_code == 200
    data = definition_current(organization=org, key="consent-to-treat").questionnaire
    first, second = data["item"][0]["linkId"], data["item"][1]["linkId"]
    moved = client.post(url, {"questionnaire": json.dumps(data), "action": f"down:{first}"})
    text = moved.context["text"]
    assert [i["linkId"] for i in json.loads(text)["item"]][:2] == [second, first]
    # Removing a question another item's enableWhen points at is refused on save, with the reason.
    broken = client.post(url, {"questionnaire": text, "action": "remove:signed-by-representative"})
    refused = client.post(url, {"questionnaire": broken.context["text"], "action": "save:"})
    assert refused.status_code == 422
    assert any("signed-by-representative" in p for p in refused.context["problems"])
    assert definition_current(organization=org, key="consent-to-treat").version == 1
    saved = client.post(url, {"questionnaire": text, "title": "Consent (short)", "action": "save:"})
    assert saved.status_code == 302
    current = definition_current(organization=org, key="consent-to-treat")
    assert current.version == 2 and current.title == "Consent (short)"
    assert [i["linkId"] for i in current.questionnaire["item"]][:2] == [second, first]


@pytest.mark.django_db
def test_frontdesk_cannot_use_the_editor(frontdesk):
    assert client_for(frontdesk).get(reverse("intake:form_items", args=["consent-to-treat"])).status_code == 403
