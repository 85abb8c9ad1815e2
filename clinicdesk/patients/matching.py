"""Likely-duplicate scoring, as a pure kernel over plain data (tested without a database).

A new registration likely matches an existing patient when the dates of birth are equal and the
names are alike (allowing misspellings, accents, swapped first/last names), or when they share a
phone number. Each match carries the reasons in words a coordinator can check at the desk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from clinicdesk.lib.names import fold, phonetic, similarity

NAME_THRESHOLD = 0.86


@dataclass(frozen=True)
class Person:
    family: str
    given: str
    birth_date: date | None
    phones: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class Match:
    id: int | None
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


def name_likeness(a: Person, b: Person) -> float:
    """0..1: how alike two people's names are, the better of straight and swapped order."""
    straight = (similarity(a.family, b.family) + similarity(a.given, b.given)) / 2
    swapped = (similarity(a.family, b.given) + similarity(a.given, b.family)) / 2
    best = max(straight, swapped)
    if _sounds_alike(a.family, b.family) and _sounds_alike(a.given, b.given):
        best = max(best, 0.9)
    return best


def _sounds_alike(x: str, y: str) -> bool:
    fx, fy = fold(x).replace(" ", ""), fold(y).replace(" ", "")
    return bool(fx) and bool(fy) and (fx == fy or phonetic(fx) == phonetic(fy))


def score(new: Person, existing: Person) -> Match | None:
    """The match of ``existing`` against ``new``, or None when they are clearly different people."""
    likeness = name_likeness(new, existing)
    same_dob = new.birth_date is not None and new.birth_date == existing.birth_date
    shared_phones = {p for p in new.phones if p} & set(existing.phones)
    reasons: list[str] = []
    points = 0.0
    if same_dob and likeness >= NAME_THRESHOLD:
        reasons.append("same date of birth and " + ("same name" if likeness > 0.99 else "similar name"))
        points = 0.6 + 0.4 * likeness
    if shared_phones:
        reasons.append("same phone number")
        points = max(points, 0.5 + 0.3 * likeness) + (0.1 if points else 0)
    if not reasons:
        return None
    return Match(id=existing.id, score=round(min(points, 1.0), 3), reasons=tuple(reasons))


def rank(new: Person, candidates: list[Person]) -> list[Match]:
    """Likely matches among the candidates, best first; at equal (capped) scores, more reasons first."""
    matches = [m for c in candidates if (m := score(new, c)) is not None]
    return sorted(matches, key=lambda m: (-m.score, -len(m.reasons)))
