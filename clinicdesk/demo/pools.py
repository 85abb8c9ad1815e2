"""Seeded pools of names and streets drawn once from Faker, and weighted picks from them.

Drawing 100,000 people straight from Faker costs a Faker call per field; drawing a few thousand
names per locale once and then picking with ``random.Random`` is an order of magnitude faster.
The pools keep Faker's frequencies (a common name is drawn often, so it sits in the pool often),
so "Smith" stays as common among the demo patients as Faker makes it.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from faker import Faker

from clinicdesk.demo.reference import LOCALES

T = TypeVar("T")

# Draws per pool: the main locale needs more variety than the others.
_MAIN_LOCALE_DRAWS = 3000
_OTHER_LOCALE_DRAWS = 400
_STREET_DRAWS = 800


class Weighted(Generic[T]):
    """A weighted choice with the cumulative weights worked out once."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _weight in pairs]
        self.cumulative = list(itertools.accumulate(weight for _value, weight in pairs))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


@dataclass(frozen=True)
class NamePools:
    female: dict[str, list[str]]
    male: dict[str, list[str]]
    family: dict[str, list[str]]
    streets: list[str]

    def given(self, rng: random.Random, locale: str, sex: str) -> str:
        pool = self.female if sex == "female" else self.male
        return rng.choice(pool[locale])

    def family_name(self, rng: random.Random, locale: str) -> str:
        return rng.choice(self.family[locale])


def _draw(fake: Faker, method: str, count: int) -> list[str]:
    make = getattr(fake, method)
    return [str(make()) for _ in range(count)]


@functools.lru_cache(maxsize=4)
def build_pools(seed: int) -> NamePools:
    """The pools for one seed: the same seed (and Faker version) gives the same pools. Kept, since
    they are only read: a second load with the same seed saves the second it takes to draw them."""
    female: dict[str, list[str]] = {}
    male: dict[str, list[str]] = {}
    family: dict[str, list[str]] = {}
    for index, (locale, _weight, _languages) in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 1000 + index)
        draws = _MAIN_LOCALE_DRAWS if index == 0 else _OTHER_LOCALE_DRAWS
        female[locale] = _draw(fake, "first_name_female", draws)
        male[locale] = _draw(fake, "first_name_male", draws)
        family[locale] = _draw(fake, "last_name", draws)
    streets_fake = Faker("en_US")
    streets_fake.seed_instance(seed * 1000 + 999)
    return NamePools(female=female, male=male, family=family,
                     streets=_draw(streets_fake, "street_name", _STREET_DRAWS))
