"""Which of our patients a lab result belongs to, as a pure kernel over plain data (tested without a database).

A result is attached on its own only when the match is confident (score ≥ ``CONFIDENT``):

* our MRN among the message's PID-3 identifiers, the same date of birth and a similar name (accents, hyphens,
  swapped given/family names and a dropped second surname tolerated), or
* no MRN, but the same date of birth and the same name (after folding), and no other patient alike.

Anything less (a wrong date of birth, an MRN that belongs to someone else, two patients alike, a different sex)
goes to staff for review: a result is never attached to the wrong patient silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from clinicdesk.lib.names import fold
from clinicdesk.patients.matching import NAME_THRESHOLD, Person, name_likeness

CONFIDENT = 0.9
REVIEW_CAP = 0.89  # the highest score a match needing review is shown with
MRN_TYPES = ("MR", "PI", "PT", "MRN", "")  # CX.5 identifier types that may carry our MRN
_SEX = {"M": "male", "F": "female", "O": "other", "A": "other", "N": "other", "U": "unknown"}


@dataclass(frozen=True)
class Identity:
    """Who the lab says the result is for (PID): identifiers as (value, type code), name, DOB, HL7 sex."""

    identifiers: tuple[tuple[str, str], ...]
    family: str
    given: str
    birth_date: date | None
    sex: str = ""


@dataclass(frozen=True)
class Candidate:
    """One of our patients (sex as stored: male, female, other, unknown)."""

    id: int
    mrn: str
    family: str
    given: str
    birth_date: date | None
    sex: str = "unknown"


@dataclass(frozen=True)
class Assessment:
    candidate_id: int | None
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def confident(self) -> bool:
        return self.candidate_id is not None and self.score >= CONFIDENT


def mrns_in(identity: Identity, mrn_prefix: str = "") -> set[str]:
    """The values of the identity that could be our MRN, as sent and with the practice's prefix."""
    found: set[str] = set()
    for value, type_code in identity.identifiers:
        if value and type_code.upper() in MRN_TYPES:
            found.add(value)
            if mrn_prefix and not value.startswith(mrn_prefix):
                found.add(mrn_prefix + value)
    return found


def _words(text: str) -> set[str]:
    return set(fold(text).split())


def name_exact(identity: Identity, candidate: Candidate) -> bool:
    """The same family and given names after folding ("García-López" is "Garcia Lopez")."""
    return (fold(identity.family), fold(identity.given)) == (fold(candidate.family), fold(candidate.given))


def name_similarity(identity: Identity, candidate: Candidate) -> float:
    """0..1, the better of straight, swapped and sound-alike order; one of two surnames counts as the name."""
    likeness = name_likeness(Person(identity.family, identity.given, None),
                             Person(candidate.family, candidate.given, None))
    ours, theirs = _words(candidate.family), _words(identity.family)
    given_same = bool(_words(identity.given) & _words(candidate.given))
    if ours and theirs and (ours <= theirs or theirs <= ours) and given_same:
        likeness = max(likeness, 0.95)  # "García" for "García-López", or the reverse
    return likeness


def _sex_conflict(identity: Identity, candidate: Candidate) -> bool:
    sent = _SEX.get(identity.sex.upper(), "unknown")
    return "unknown" not in (sent, candidate.sex) and sent != candidate.sex


def _assess(identity: Identity, candidate: Candidate, mrns: set[str], unique_name_dob: bool) -> Assessment | None:
    mrn = candidate.mrn in mrns
    dob = identity.birth_date is not None and identity.birth_date == candidate.birth_date
    likeness = name_similarity(identity, candidate)
    similar, exact = likeness >= NAME_THRESHOLD, name_exact(identity, candidate)
    reasons: list[str] = []
    if mrn:
        reasons.append("same MRN")
    if dob:
        reasons.append("same date of birth")
    elif identity.birth_date and candidate.birth_date:
        reasons.append("different date of birth")
    reasons.append("same name" if exact else "similar name" if similar else "different name")
    if mrn and dob and similar:
        points = CONFIDENT + 0.1 * (likeness - NAME_THRESHOLD) / (1 - NAME_THRESHOLD)
    elif dob and exact:
        points = CONFIDENT if unique_name_dob else 0.8
        if not unique_name_dob:
            reasons.append("another patient has the same name and date of birth")
    elif dob and similar:
        points = 0.6 + 0.2 * likeness
    elif mrn and similar:
        points = 0.7
    elif mrn and dob:
        points = 0.6
    elif mrn:
        points = 0.3
    else:
        return None
    if _sex_conflict(identity, candidate):
        reasons.append("different sex")
        points -= 0.2
    return Assessment(candidate.id, round(min(max(points, 0.0), 1.0), 3), tuple(reasons))


def assess(identity: Identity, candidates: list[Candidate], *, mrn_prefix: str = "") -> Assessment:
    """The best candidate for the identity, its score and the reasons in words staff can check."""
    mrns = mrns_in(identity, mrn_prefix)
    alike = [c for c in candidates if identity.birth_date and c.birth_date == identity.birth_date
             and name_exact(identity, c)]
    scored = [a for c in candidates if (a := _assess(identity, c, mrns, len(alike) <= 1)) is not None]
    if not scored:
        return Assessment(None, 0.0, ("no patient with this MRN, or this date of birth and name",))
    scored.sort(key=lambda a: (-a.score, -len(a.reasons)))
    best, others = scored[0], scored[1:]
    if not best.confident:
        return best
    holders = {c.id for c in candidates if c.mrn in mrns}
    if holders - {best.candidate_id}:
        return _review(best, "the MRN sent belongs to another patient")
    if others and others[0].score >= CONFIDENT:
        return _review(best, "another patient matches as well")
    return best


def _review(assessment: Assessment, reason: str) -> Assessment:
    return Assessment(assessment.candidate_id, min(assessment.score, REVIEW_CAP), (*assessment.reasons, reason))
