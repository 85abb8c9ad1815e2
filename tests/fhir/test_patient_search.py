"""GET /Patient?...: each search parameter, combined with AND, audited per patient returned."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.patients.models import Patient, Status
from clinicdesk.practice.models import Organization
from tests.conftest import make_patient
from tests.fhir.conftest import get, ok, outcome


@pytest.fixture
def people(org: Organization) -> dict[str, Patient]:
    return {
        "zoe": make_patient(org, family_name="Brontë", given_name="Zoë", birth_date=date(1980, 5, 17), sex="female",
                            phone_mobile="217-555-0111"),
        "zack": make_patient(org, family_name="Bronson", given_name="Zack", middle_name="Lee",
                             birth_date=date(1980, 12, 1), sex="male", phone_home="312-555-0122"),
        "amy": make_patient(org, family_name="Adams", given_name="Amy", preferred_name="Mimi",
                            birth_date=date(1995, 1, 31), sex="female", status=Status.INACTIVE),
    }


def ids(bundle: dict[str, Any]) -> set[str]:
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def search(client: Client, query: str) -> set[str]:
    return ids(ok(get(client, f"/Patient?{query}")))


def pk(*patients: Patient) -> set[str]:
    return {str(p.pk) for p in patients}


def test_name_matches_word_starts_of_any_name_accent_and_case_blind(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "name=zoe") == pk(people["zoe"])
    assert search(desk, "name=BRON") == pk(people["zoe"], people["zack"])
    assert search(desk, "name=bron%20zo") == pk(people["zoe"])
    assert search(desk, "name=mimi") == pk(people["amy"])
    assert search(desk, "name=lee") == pk(people["zack"])


def test_name_does_not_return_sound_alikes(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "name=adamz") == set()


def test_family_and_given_match_their_own_name_parts(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "family=bronson") == pk(people["zack"])
    assert search(desk, "family=Zack") == set()
    assert search(desk, "given=zack") == pk(people["zack"])
    assert search(desk, "given=Mim") == pk(people["amy"])
    assert search(desk, "family=adams,bronson") == pk(people["amy"], people["zack"])


def test_birthdate_on_a_day_and_with_prefixes(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "birthdate=1980-05-17") == pk(people["zoe"])
    assert search(desk, "birthdate=1980") == pk(people["zoe"], people["zack"])
    assert search(desk, "birthdate=1980-12") == pk(people["zack"])
    assert search(desk, "birthdate=ge1990-01-01") == pk(people["amy"])
    assert search(desk, "birthdate=lt1980-06") == pk(people["zoe"])
    assert search(desk, "birthdate=gt1980-05-17&birthdate=le1995-01-30") == pk(people["zack"])
    assert search(desk, "birthdate=ne1980") == pk(people["amy"])


def test_a_bad_birthdate_is_a_400(desk: Client, people: dict[str, Patient]) -> None:
    for value in ("1980-13-45", "yesterday", "ap1980", "1980-02-30"):
        outcome(get(desk, f"/Patient?birthdate={value}"), 400)


def test_identifier_finds_the_mrn_with_or_without_our_system(desk: Client, org: Organization,
                                                             people: dict[str, Patient]) -> None:
    zoe = people["zoe"]
    assert search(desk, f"identifier={zoe.mrn}") == pk(zoe)
    assert search(desk, f"identifier=urn:clinicdesk:mrn:{org.pk}|{zoe.mrn}") == pk(zoe)
    assert search(desk, f"identifier=urn:clinicdesk:mrn:{org.pk + 1}|{zoe.mrn}") == set()
    assert search(desk, f"identifier=http://example.org/other|{zoe.mrn}") == set()


def test_phone_matches_the_end_of_any_phone(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "phone=(217)%20555-0111") == pk(people["zoe"])
    assert search(desk, "phone=5550122") == pk(people["zack"])
    assert search(desk, "telecom=phone|2175550111") == pk(people["zoe"])
    assert search(desk, "phone=none") == set()


def test_gender_with_alternatives_and_a_bad_code_is_a_400(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "gender=female") == pk(people["zoe"], people["amy"])
    assert search(desk, "gender=male,female") == pk(*people.values())
    outcome(get(desk, "/Patient?gender=femal"), 400)


def test_active_and_id(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "active=false") == pk(people["amy"])
    assert search(desk, "active=true") == pk(people["zoe"], people["zack"])
    assert search(desk, f"_id={people['zack'].pk},{people['amy'].pk}") == pk(people["zack"], people["amy"])
    outcome(get(desk, "/Patient?active=maybe"), 400)


def test_parameters_combine_with_and(desk: Client, people: dict[str, Patient]) -> None:
    assert search(desk, "name=bron&gender=male") == pk(people["zack"])
    assert search(desk, "name=bron&birthdate=1995") == set()


def test_merged_records_are_not_found_by_search(desk: Client, org: Organization, people: dict[str, Patient]) -> None:
    Patient.objects.filter(pk=people["zack"].pk).update(status=Status.MERGED, merged_into=people["zoe"])
    assert search(desk, "name=bron") == pk(people["zoe"])


def test_each_patient_returned_is_an_audit_event(desk: Client, people: dict[str, Patient]) -> None:
    ok(get(desk, "/Patient?name=bron"))
    hits = AuditEvent.objects.filter(action=Action.SEARCH_HIT, via="fhir")
    assert set(hits.values_list("patient_id", flat=True)) == {people["zoe"].pk, people["zack"].pk}


def test_the_bundle_is_a_valid_searchset(desk: Client, people: dict[str, Patient]) -> None:
    bundle = ok(get(desk, "/Patient?name=bron"))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == 2
    assert all(e["fullUrl"].endswith(f"/Patient/{e['resource']['id']}") for e in bundle["entry"])


def test_unknown_parameters_are_ignored_unless_strict(desk: Client, people: dict[str, Patient]) -> None:
    bundle = ok(get(desk, "/Patient?family=adams&_sort=name&foo=bar"))
    assert ids(bundle) == pk(people["amy"])
    assert "foo" not in bundle["link"][0]["url"]
    body = outcome(get(desk, "/Patient?foo=bar", Prefer="handling=strict"), 400)
    assert body["issue"][0]["code"] == "not-supported"


def test_modifiers_and_name_alternatives_are_refused(desk: Client, people: dict[str, Patient]) -> None:
    outcome(get(desk, "/Patient?name:exact=Adams"), 400)
    outcome(get(desk, "/Patient?name=adams,bronson"), 400)
    outcome(get(desk, "/Patient?phone=2175550111,3125550122"), 400)
