"""Reads of the patient registry. Audited access to one patient lives in ``access.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from clinicdesk.lib.names import phonetic
from clinicdesk.patients.matching import Match, Person, rank
from clinicdesk.patients.models import Patient, SearchToken, Status
from clinicdesk.patients.search import Terms

# Folded tokens contain only [a-z0-9]; "~" sorts after all of them, so [prefix, prefix + "~")
# is exactly "starts with prefix" and uses the (kind, token) B-tree index on both databases.
_PREFIX_END = "~"


def _token_ids(organization_id: int, kind: str, token: str, *, prefix: bool) -> QuerySet[SearchToken, Any]:
    tokens = SearchToken.objects.filter(organization_id=organization_id, kind=kind)
    if not prefix:
        return tokens.filter(token=token).values("patient_id")
    return tokens.filter(token__gte=token, token__lt=token + _PREFIX_END).values("patient_id")


@dataclass(frozen=True)
class SearchResult:
    patients: list[Patient]
    fuzzy_ids: frozenset[int]  # found only by sound-alike spelling

    def is_fuzzy(self, patient: Patient) -> bool:
        return patient.pk in self.fuzzy_ids


def _filtered(organization_id: int, terms: Terms, *, fuzzy: bool, include_inactive: bool) -> QuerySet[Patient]:
    qs = Patient.objects.filter(organization_id=organization_id)
    qs = qs.exclude(status=Status.MERGED) if include_inactive else qs.filter(status=Status.ACTIVE)
    for word in terms.names:
        condition = Q(pk__in=_token_ids(organization_id, "n", word, prefix=True))
        if fuzzy and len(word) > 2 and (key := phonetic(word)):
            condition |= Q(pk__in=_token_ids(organization_id, "p", key, prefix=False))
        qs = qs.filter(condition)
    if terms.birth_date:
        qs = qs.filter(birth_date=terms.birth_date)
    if terms.phone_digits and terms.mrn:
        qs = qs.filter(Q(pk__in=_token_ids(organization_id, "t", terms.phone_digits[::-1], prefix=True))
                       | Q(mrn=terms.mrn))
    elif terms.phone_digits:
        qs = qs.filter(pk__in=_token_ids(organization_id, "t", terms.phone_digits[::-1], prefix=True))
    elif terms.mrn:
        qs = qs.filter(mrn=terms.mrn)
    return qs


def patient_search(*, organization_id: int, terms: Terms, limit: int = 25,
                   include_inactive: bool = True) -> SearchResult:
    """Patients matching every term: names by word prefix (accent- and case-blind), then, if room is
    left, by sound-alike spelling; date of birth, phone (any trailing digits) and MRN exactly."""
    if terms.empty:
        return SearchResult([], frozenset())
    order = ("family_name", "given_name", "birth_date", "pk")
    exact = list(_filtered(organization_id, terms, fuzzy=False, include_inactive=include_inactive)
                 .select_related("primary_practitioner").order_by(*order)[:limit])
    fuzzy: list[Patient] = []
    if terms.names and len(exact) < limit:
        fuzzy = list(_filtered(organization_id, terms, fuzzy=True, include_inactive=include_inactive)
                     .exclude(pk__in=[p.pk for p in exact])
                     .select_related("primary_practitioner").order_by(*order)[: limit - len(exact)])
    return SearchResult(exact + fuzzy, frozenset(p.pk for p in fuzzy))


def patient_duplicate_candidates(*, organization_id: int, patient: Patient) -> list[Match]:
    """Existing patients that ``patient`` (not yet saved, or being edited) likely duplicates."""
    digits = ["".join(ch for ch in p if ch.isdigit())[::-1] for p in patient.phones]
    condition = Q(birth_date=patient.birth_date)
    if digits:
        condition |= Q(pk__in=SearchToken.objects.filter(organization_id=organization_id, kind="t",
                                                         token__in=digits).values("patient_id"))
    candidates = (Patient.objects.filter(organization_id=organization_id).filter(condition)
                  .exclude(status=Status.MERGED).exclude(pk=patient.pk)[:500])
    new = Person(family=patient.family_name, given=patient.given_name, birth_date=patient.birth_date,
                 phones=tuple(patient.phones))
    return rank(new, [
        Person(id=c.pk, family=c.family_name, given=c.given_name, birth_date=c.birth_date,
               phones=tuple(c.phones)) for c in candidates
    ])
