"""Reads of the patient registry. Audited access to one patient lives in ``access.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from clinicdesk.lib.names import phonetic
from clinicdesk.patients.matching import Match, Person, rank
from clinicdesk.patients.models import Patient, SearchToken, Status
from clinicdesk.patients.search import Terms
from clinicdesk.practice.models import Organization

# Folded tokens contain only [a-z0-9]; "~" sorts after all of them, so [prefix, prefix + "~")
# is exactly "starts with prefix" and uses the (kind, token) B-tree index on both databases.
_PREFIX_END = "~"


def _token_ids(organization_id: int, kind: str, token: str, *, prefix: bool) -> QuerySet[SearchToken, Any]:
    tokens = SearchToken.objects.filter(organization_id=organization_id, kind=kind)
    if not prefix:
        return tokens.filter(token=token).values("patient_id")
    return tokens.filter(token__gte=token, token__lt=token + _PREFIX_END).values("patient_id")


def _word_match(word: str, *, fuzzy: bool) -> Q:
    """Search keys matching one typed name word: its prefix and, with ``fuzzy``, its sound-alike key."""
    condition = Q(kind="n", token__gte=word, token__lt=word + _PREFIX_END)
    if fuzzy and len(word) > 2 and (key := phonetic(word)):
        condition |= Q(kind="p", token=key)
    return condition


def _word_ids(organization_id: int, word: str, *, fuzzy: bool) -> QuerySet[SearchToken, int]:
    """The patients with a search key matching one typed name word, as two index range reads joined by
    UNION ALL: SQLite without statistics reads an OR of the two as a scan of all the practice's keys."""
    tokens = SearchToken.objects.filter(organization_id=organization_id)
    ids = tokens.filter(kind="n", token__gte=word, token__lt=word + _PREFIX_END).values_list("patient_id", flat=True)
    if fuzzy and len(word) > 2 and (key := phonetic(word)):
        return ids.union(tokens.filter(kind="p", token=key).values_list("patient_id", flat=True), all=True)
    return ids


def _mrns(organization_id: int, mrn: str) -> list[str]:
    """The MRN as typed and, when only its number was typed, with the practice's prefix ("1042" -> "LS1042")."""
    prefix = Organization.objects.filter(pk=organization_id).values_list("mrn_prefix", flat=True).first() or ""
    return [mrn, prefix + mrn] if prefix and mrn.isdigit() else [mrn]


@dataclass(frozen=True)
class SearchResult:
    patients: list[Patient]
    fuzzy_ids: frozenset[int]  # found only by sound-alike spelling

    def is_fuzzy(self, patient: Patient) -> bool:
        return patient.pk in self.fuzzy_ids


def _base(organization_id: int, include_inactive: bool) -> QuerySet[Patient]:
    qs = Patient.objects.filter(organization_id=organization_id)
    return qs.exclude(status=Status.MERGED) if include_inactive else qs.filter(status=Status.ACTIVE)


def _filtered(organization_id: int, terms: Terms, *, fuzzy: bool, include_inactive: bool) -> QuerySet[Patient]:
    qs = _base(organization_id, include_inactive)
    for word in terms.names:
        # One subquery per word (prefix and sound-alike joined inside it): PostgreSQL cannot join an OR
        # of two subqueries, and tested them on every patient of the practice.
        qs = qs.filter(pk__in=_word_ids(organization_id, word, fuzzy=fuzzy))
    return _with_other_terms(qs, organization_id, terms)


def _with_other_terms(qs: QuerySet[Patient], organization_id: int, terms: Terms) -> QuerySet[Patient]:
    """``qs`` narrowed by date of birth, phone and MRN."""
    if terms.birth_date:
        qs = qs.filter(birth_date=terms.birth_date)
    if terms.phone_digits and terms.mrn:
        qs = qs.filter(Q(pk__in=_token_ids(organization_id, "t", terms.phone_digits[::-1], prefix=True))
                       | Q(mrn__in=_mrns(organization_id, terms.mrn)))
    elif terms.phone_digits:
        qs = qs.filter(pk__in=_token_ids(organization_id, "t", terms.phone_digits[::-1], prefix=True))
    elif terms.mrn:
        qs = qs.filter(mrn__in=_mrns(organization_id, terms.mrn))
    return qs


# A selective search runs in two steps: collect the ids of the patients its selective terms match
# (index range reads, no sorting), then sort just those. Asking the database for "the first
# 25 in name order" of a filtered set instead lets the planner walk the whole name index whenever it
# overestimates the matches (PostgreSQL's estimates of token ranges; SQLite without ANALYZE): 50-250 ms
# instead of a few at 100,000 patients (docs/benchmarks.md). A term matching more patients than this
# is not selective, and walking the name index is then the right plan.
_MAX_CANDIDATES = 5000
# With this few candidates left, checking a further name word on each beats collecting its matches
# (and so does checking a word of one or two letters, which matches thousands).
_FEW_ENOUGH = 100
_ORDER = ("family_name", "given_name", "birth_date", "pk")


def _few(ids: QuerySet[Any, int]) -> set[int] | None:
    """The ids, or None when there are more than are worth collecting."""
    found = list(ids[:_MAX_CANDIDATES + 1])
    return None if len(found) > _MAX_CANDIDATES else set(found)


def _candidates(organization_id: int, terms: Terms, *, fuzzy: bool) -> tuple[set[int] | None, list[str]]:
    """The ids of the patients matching the selective terms (None when no term is selective), and the
    name words still to check on each of them."""
    patients = Patient.objects.filter(organization_id=organization_id)
    found: set[int] | None = None
    if terms.mrn:
        found = set(patients.filter(mrn__in=_mrns(organization_id, terms.mrn)).values_list("pk", flat=True))
    if terms.phone_digits:
        digits = terms.phone_digits[::-1]
        phone = SearchToken.objects.filter(organization_id=organization_id, kind="t", token__gte=digits,
                                           token__lt=digits + _PREFIX_END)
        phone_ids = _few(phone.values_list("patient_id", flat=True))
        found = None if phone_ids is None else phone_ids | (found or set())  # phone OR MRN
    if terms.birth_date is not None and found is None:
        found = _few(patients.filter(birth_date=terms.birth_date).values_list("pk", flat=True))
    unchecked: list[str] = []
    for word in sorted(terms.names, key=len, reverse=True):
        ids = None
        if found is None or (len(found) > _FEW_ENOUGH and len(word) > 2):
            ids = _few(_word_ids(organization_id, word, fuzzy=fuzzy))
        if ids is None:
            unchecked.append(word)
        else:
            found = ids if found is None else found & ids
    return found, unchecked


def _find(organization_id: int, terms: Terms, *, fuzzy: bool, include_inactive: bool, exclude: set[int],
          limit: int) -> list[Patient]:
    """The first ``limit`` patients in name order matching ``terms``, leaving out ``exclude``."""
    candidates, words = _candidates(organization_id, terms, fuzzy=fuzzy)
    if candidates is None:
        qs = _filtered(organization_id, terms, fuzzy=fuzzy, include_inactive=include_inactive)
        return list(qs.exclude(pk__in=exclude).select_related("primary_practitioner").order_by(*_ORDER)[:limit])
    # Only primary keys constrain this query (the practice and status are checked on the rows read),
    # so every planner reads just these rows, with or without statistics; likewise the words left
    # are checked through each candidate's own search keys. Sorted by code point, as SQLite and a
    # C-collated PostgreSQL sort.
    qs = Patient.objects.filter(pk__in=sorted(candidates - exclude))
    for word in words:
        qs = qs.filter(Exists(SearchToken.objects.filter(_word_match(word, fuzzy=fuzzy), patient_id=OuterRef("pk"))))
    statuses = set(Status.values) - {Status.MERGED} if include_inactive else {Status.ACTIVE}
    rows = _with_other_terms(qs, organization_id, terms).values_list(*_ORDER, "organization_id", "status")
    found = sorted(row[:4] for row in rows if row[4] == organization_id and row[5] in statuses)
    top = [row[3] for row in found[:limit]]
    loaded = Patient.objects.select_related("primary_practitioner").in_bulk(top)
    return [loaded[pk] for pk in top]


def patient_search(*, organization_id: int, terms: Terms, limit: int = 25,
                   include_inactive: bool = True) -> SearchResult:
    """Patients matching every term: names by word prefix (accent- and case-blind), then, if room is
    left, by sound-alike spelling; date of birth, phone (any trailing digits) and MRN exactly."""
    if terms.empty:
        return SearchResult([], frozenset())
    exact = _find(organization_id, terms, fuzzy=False, include_inactive=include_inactive, exclude=set(), limit=limit)
    fuzzy: list[Patient] = []
    if terms.names and len(exact) < limit:
        fuzzy = _find(organization_id, terms, fuzzy=True, include_inactive=include_inactive,
                      exclude={p.pk for p in exact}, limit=limit - len(exact))
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


def patient_page(*, organization_id: int, terms: Terms, extra: Q | None = None, offset: int = 0,
                 limit: int = 20) -> tuple[list[Patient], int]:
    """One page of the patients matching every term exactly (no sound-alikes) and the ``extra`` condition,
    in a stable order, with the total count: paged API searches (FHIR). Empty terms match every patient."""
    patients = _filtered(organization_id, terms, fuzzy=False, include_inactive=True)
    if extra is not None:
        patients = patients.filter(extra)
    total = patients.count()
    order = ("family_name", "given_name", "birth_date", "pk")
    if not limit:
        return [], total
    return list(patients.select_related("primary_practitioner").order_by(*order)[offset:offset + limit]), total
