"""Insurance of the demo patients as plain data: who is insured, by whom, and in what order.

About 85% of patients have coverage: nearly everyone over 65 (Medicare, often with a Medigap plan
or Medicaid as secondary), children through Medicaid or a parent's plan, working-age adults through
Medicaid or a commercial plan of their own or their spouse's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from clinicdesk.demo.pools import Weighted
from clinicdesk.demo.reference import AS_OF, PAYERS

SELF, SPOUSE, CHILD = "18", "01", "19"  # X12 individual relationship codes
_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # Medicare Beneficiary Identifier letters: A-Z without B I L O S Z
_COMMERCIAL = Weighted([("bcbs", 40.0), ("aetna", 31.0), ("uhc", 29.0)])
_COPAYS = {"PPO": (25, 30, 40), "HMO": (15, 20, 25), "POS": (25, 35)}
_PLANS = {p.key: p.plans for p in PAYERS}


@dataclass(frozen=True)
class CoverageSpec:
    payer: str  # a PayerSpec key
    plan: str
    priority: int
    member_id: str
    group_number: str = ""
    relationship: str = SELF
    subscriber_family_name: str = ""
    subscriber_given_name: str = ""
    subscriber_birth_date: date | None = None
    effective_date: date | None = None
    copay: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class Subscriber:
    """The policy holder when it is not the patient: a parent or a spouse."""

    given: str
    family: str
    birth_date: date
    relationship: str


def age_on(birth_date: date, day: date = AS_OF) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def medicare_id(rng: random.Random) -> str:
    """An MBI: 11 characters, pattern C A AN N A AN N A A N N (C = 1-9, A = letter, N = digit)."""
    def letter() -> str:
        return rng.choice(_MBI_LETTERS)

    def either() -> str:
        return rng.choice(_MBI_LETTERS + "0123456789")

    def digit() -> str:
        return str(rng.randint(0, 9))

    return "".join([str(rng.randint(1, 9)), letter(), either(), digit(), letter(), either(), digit(),
                    letter(), letter(), digit(), digit()])


def member_id(rng: random.Random, payer: str) -> str:
    if payer == "medicare":
        return medicare_id(rng)
    if payer == "medicaid":
        return str(rng.randint(100_000_000_000, 999_999_999_999))
    if payer == "bcbs":
        return rng.choice(("RBX", "YRB", "ZOH")) + str(rng.randint(100_000_000, 999_999_999))
    if payer == "aetna":
        return "W" + str(rng.randint(100_000_000, 999_999_999))
    return str(rng.randint(900_000_000, 999_999_999))


def _effective(rng: random.Random, birth_date: date, earliest: date | None = None) -> date:
    day = AS_OF - timedelta(days=rng.randint(30, 3650))
    return max(day.replace(day=1), earliest or birth_date, birth_date)


def _commercial(rng: random.Random, payer: str, priority: int, birth_date: date,
                subscriber: Subscriber | None) -> CoverageSpec:
    plan, plan_type = rng.choice([p for p in _PLANS[payer] if p[1] != "Medigap"])
    member = member_id(rng, payer) + (f"0{rng.randint(1, 4)}" if subscriber else "")
    return CoverageSpec(
        payer=payer, plan=plan, priority=priority, member_id=member,
        group_number=str(rng.randint(700_100, 700_160)),
        relationship=subscriber.relationship if subscriber else SELF,
        subscriber_family_name=subscriber.family if subscriber else "",
        subscriber_given_name=subscriber.given if subscriber else "",
        subscriber_birth_date=subscriber.birth_date if subscriber else None,
        effective_date=_effective(rng, birth_date),
        copay=Decimal(rng.choice(_COPAYS.get(plan_type, (0,))) if priority == 1 else 0).quantize(Decimal("0.01")),
    )


def _public(rng: random.Random, payer: str, priority: int, birth_date: date,
            earliest: date | None = None) -> CoverageSpec:
    plan, _plan_type = _PLANS[payer][0]
    return CoverageSpec(payer=payer, plan=plan, priority=priority, member_id=member_id(rng, payer),
                        effective_date=_effective(rng, birth_date, earliest), copay=Decimal("0.00"))


def _senior(rng: random.Random, birth_date: date) -> tuple[CoverageSpec, ...]:
    if rng.random() < 0.12:  # still on an employer plan
        return (_commercial(rng, _COMMERCIAL.pick(rng), 1, birth_date, None),)
    primary = _public(rng, "medicare", 1, birth_date, earliest=date(birth_date.year + 65, birth_date.month, 1))
    roll = rng.random()
    if roll < 0.28:
        plan = _PLANS["bcbs"][-1][0]
        medigap = CoverageSpec(payer="bcbs", plan=plan, priority=2, member_id=member_id(rng, "bcbs"),
                               group_number="", effective_date=primary.effective_date)
        return (primary, medigap)
    if roll < 0.40:
        return (primary, _public(rng, "medicaid", 2, birth_date))
    return (primary,)


def _child(rng: random.Random, birth_date: date, parent: Subscriber | None) -> tuple[CoverageSpec, ...]:
    if parent is None or rng.random() < 0.40:
        return (_public(rng, "medicaid", 1, birth_date),)
    return (_commercial(rng, _COMMERCIAL.pick(rng), 1, birth_date, parent),)


def _adult(rng: random.Random, birth_date: date, spouse: Subscriber) -> tuple[CoverageSpec, ...]:
    if rng.random() < 0.18:
        return (_public(rng, "medicaid", 1, birth_date),)
    payer = _COMMERCIAL.pick(rng)
    primary = _commercial(rng, payer, 1, birth_date, spouse if rng.random() < 0.25 else None)
    if rng.random() < 0.06:
        other = rng.choice([key for key in ("bcbs", "aetna", "uhc") if key != payer])
        return (primary, _commercial(rng, other, 2, birth_date, spouse))
    return (primary,)


def coverages_for(rng: random.Random, *, birth_date: date, parent: Subscriber | None,
                  spouse: Subscriber) -> tuple[CoverageSpec, ...]:
    """The coverages of one patient, primary first; empty for the uninsured."""
    age = age_on(birth_date)
    uninsured = 0.02 if age >= 65 else 0.06 if age < 18 else 0.21
    if rng.random() < uninsured:
        return ()
    if age >= 65:
        return _senior(rng, birth_date)
    if age < 18:
        return _child(rng, birth_date, parent)
    return _adult(rng, birth_date, spouse)
