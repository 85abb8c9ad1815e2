"""Synthetic patients as plain data (no database), the same for the same seed.

Names come from Faker's locales (accents and hyphens included), ages follow the US population
pyramid, phones are valid US numbers in E.164, addresses are in central Ohio, e-mail addresses use
the reserved example.* domains. A few patients are registered twice with a slightly different
spelling, so the duplicate guard and the merge screen have something to show.
"""

from __future__ import annotations

import random
import unicodedata
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from clinicdesk.demo.coverages import CHILD, SPOUSE, CoverageSpec, Subscriber, age_on, coverages_for
from clinicdesk.demo.pools import NamePools, Weighted, build_pools
from clinicdesk.demo.reference import (
    AGE_BANDS,
    ALERTS,
    AREA_CODES,
    AS_OF,
    CITIES,
    EMAIL_DOMAINS,
    LOCALES,
    NICKNAMES,
)
from clinicdesk.lib.names import fold
from clinicdesk.lib.phones import InvalidPhoneNumber, normalize_phone

_SEXES = Weighted([("female", 52.0), ("male", 47.5), ("other", 0.3), ("unknown", 0.2)])
_AGES = Weighted(list(AGE_BANDS))
_LOCALES = Weighted([(locale, float(weight)) for locale, weight, _languages in LOCALES])
_LANGUAGES = {locale: Weighted([(code, float(w)) for code, w in languages]) for locale, _w, languages in LOCALES}
_AREAS = Weighted([(code, float(weight)) for code, weight in AREA_CODES])
_CITIES = Weighted([((city, zips), float(weight)) for city, zips, weight in CITIES])
_EMERGENCY = ("Spouse", "Spouse", "Partner", "Parent", "Sibling", "Child", "Friend")


@dataclass(frozen=True)
class PatientSpec:
    fields: dict[str, Any]  # Patient field values, as patient_create accepts them
    pcp: str | None  # key of the primary practitioner
    coverages: tuple[CoverageSpec, ...] = ()
    duplicate_of: PatientSpec | None = None  # the record this one likely duplicates


def random_phone(rng: random.Random, area_code: int | None = None) -> str:
    """A valid US number in E.164 that belongs to nobody: 555-0100 to 555-0199 is reserved for fiction
    in every area code. Demo patients consent to SMS and calls, so a real number would be a real person
    texted by a demo practice once messaging is switched on."""
    while True:
        area = area_code or _AREAS.pick(rng)
        try:
            return normalize_phone(f"+1{area}555{rng.randint(100, 199):04d}")
        except InvalidPhoneNumber:
            continue


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


class PatientFactory:
    """Draws patients one by one from a seeded ``random.Random`` and seeded Faker name pools."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names: NamePools = build_pools(seed)
        self.locale = "en_US"  # of the patient being drawn

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def phone(self) -> str:
        return random_phone(self.rng)

    def birth_date(self) -> date:
        low, high = _AGES.pick(self.rng)
        return AS_OF - timedelta(days=self.rng.randint(low * 365 + 1, (high + 1) * 365 - 1))

    def family_name(self, locale: str, sex: str, age: int) -> str:
        rng, names = self.rng, self.names
        family = names.family_name(rng, locale)
        if locale == "es_MX" and self.chance(0.25):  # two surnames, spaced or hyphenated
            return family + rng.choice((" ", "-")) + names.family_name(rng, locale)
        if sex == "female" and age >= 25 and self.chance(0.04):
            return family + "-" + names.family_name(rng, "en_US")
        return family

    def email(self, given: str, family: str, birth_date: date) -> str:
        first, last = fold(given).replace(" ", ""), fold(family).replace(" ", "")
        local = self.rng.choice((f"{first}.{last}", f"{first[:1]}{last}", f"{last}{birth_date.year % 100:02d}",
                                 f"{first}{self.rng.randint(1, 999)}"))
        return f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"

    def address(self) -> dict[str, Any]:
        city, zips = _CITIES.pick(self.rng)
        line2 = ""
        if self.chance(0.12):
            line2 = self.rng.choice((f"Apt {self.rng.randint(1, 420)}", f"Unit {self.rng.choice('ABCDEF')}"))
        return {"line1": f"{self.rng.randint(10, 9899)} {self.rng.choice(self.names.streets)}", "line2": line2,
                "city": city, "state": "OH", "postal_code": self.rng.choice(zips), "country": "US"}

    def pcp(self, age: int, sex: str) -> str | None:
        roll = self.rng.random()
        if roll < 0.03:
            return None
        if age < 18:
            return "pediatrics" if roll < 0.85 else "family"
        if sex == "female" and 18 <= age <= 50 and roll > 0.92:
            return "obgyn"
        return "internal" if roll < (0.35 if age < 50 else 0.55) else "family"

    def status(self, age: int, birth_date: date) -> dict[str, Any]:
        if self.chance(0.04 if age >= 80 else 0.01 if age >= 65 else 0.0):
            died = AS_OF - timedelta(days=self.rng.randint(30, 1500))
            return {"status": "deceased", "deceased_date": max(died, birth_date)}
        return {"status": "inactive"} if self.chance(0.02) else {}

    def minor_fields(self, family: str, age: int, birth_date: date) -> tuple[dict[str, Any], Subscriber]:
        """Minors: a parent is guarantor, emergency contact and owner of the home phone."""
        sex = self.rng.choice(("female", "male"))
        parent = Subscriber(given=self.names.given(self.rng, "en_US" if self.chance(0.3) else self.locale, sex),
                            family=family, relationship=CHILD,
                            birth_date=birth_date - timedelta(days=self.rng.randint(20 * 365, 42 * 365)))
        parent_phone = self.phone()
        fields = {"guarantor_relationship": "parent", "guarantor_name": f"{parent.given} {parent.family}",
                  "guarantor_phone": parent_phone, "phone_home": parent_phone,
                  "emergency_contact_name": f"{parent.given} {parent.family}",
                  "emergency_contact_relationship": "Mother" if sex == "female" else "Father",
                  "emergency_contact_phone": parent_phone}
        if age >= 13 and self.chance(0.5):
            fields["phone_mobile"] = self.phone()
        return fields, parent

    def adult_fields(self, family: str, given: str, age: int, birth_date: date) -> dict[str, Any]:
        fields: dict[str, Any] = {"phone_mobile": self.phone() if self.chance(0.92) else ""}
        if self.chance(0.25):
            fields["phone_home"] = self.phone()
        if age < 65 and self.chance(0.08):
            fields["phone_work"] = self.phone()
        if self.chance(0.75):
            fields["email"] = self.email(given, family, birth_date)
        if self.chance(0.7):
            other = self.names.given(self.rng, self.locale, self.rng.choice(("female", "male")))
            last = family if self.chance(0.6) else self.names.family_name(self.rng, self.locale)
            fields.update(emergency_contact_name=f"{other} {last}", emergency_contact_phone=self.phone(),
                          emergency_contact_relationship=self.rng.choice(_EMERGENCY))
        if given in NICKNAMES and self.chance(0.4):
            fields["preferred_name"] = NICKNAMES[given]
        return fields

    def consents(self, fields: dict[str, Any]) -> dict[str, bool]:
        has_phone = any(fields.get(name) for name in ("phone_mobile", "phone_home", "phone_work"))
        return {"consent_sms": bool(fields.get("phone_mobile")) and self.chance(0.75),
                "consent_email": bool(fields.get("email")) and self.chance(0.65),
                "consent_voice": has_phone and self.chance(0.85)}

    def patient(self) -> PatientSpec:
        rng = self.rng
        self.locale = locale = _LOCALES.pick(rng)
        sex = _SEXES.pick(rng)
        name_sex = sex if sex in ("female", "male") else rng.choice(("female", "male"))
        birth_date = self.birth_date()
        age = age_on(birth_date)
        given = self.names.given(rng, locale, name_sex)
        family = self.family_name(locale, name_sex, age)
        fields: dict[str, Any] = {
            "family_name": family, "given_name": given, "birth_date": birth_date, "sex": sex,
            "middle_name": self.names.given(rng, locale, name_sex) if self.chance(0.45 if locale == "en_US" else 0.15)
            else "",
            "preferred_language": _LANGUAGES[locale].pick(rng),
            "pronouns": "they/them" if sex == "other" else "",
        }
        if sex == "male" and age >= 18 and locale == "en_US" and self.chance(0.03):
            fields["suffix"] = rng.choice(("Jr.", "Sr.", "II", "III"))
        fields.update(self.address())
        parent = None
        if age < 18:
            extra, parent = self.minor_fields(family, age, birth_date)
            fields.update(extra)
        else:
            fields.update(self.adult_fields(family, given, age, birth_date))
        fields.update(self.consents(fields))
        fields.update(self.status(age, birth_date))
        if self.chance(0.06):
            fields["alerts"] = rng.choice(ALERTS)
        spouse = Subscriber(given=self.names.given(rng, locale, rng.choice(("female", "male"))), family=family,
                            birth_date=birth_date + timedelta(days=rng.randint(-2500, 2500)), relationship=SPOUSE)
        coverages = coverages_for(rng, birth_date=birth_date, parent=parent, spouse=spouse)
        return PatientSpec(fields=fields, pcp=self.pcp(age, sex), coverages=coverages)

    def misspell(self, name: str) -> str:
        """Swap two neighbouring letters after the first (a common typing slip)."""
        if len(name) < 4:
            return name + name[-1]
        i = self.rng.randint(1, len(name) - 3)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]

    def duplicate(self, original: PatientSpec) -> PatientSpec:
        """The same person registered again: same birth date, a slightly different name, new contact."""
        fields = dict(original.fields)
        family, given = fields["family_name"], fields["given_name"]
        how = self.rng.choice(("accents", "typo", "swapped", "hyphen", "middle"))
        if how == "accents" and strip_accents(family + given) != family + given:
            fields.update(family_name=strip_accents(family), given_name=strip_accents(given))
        elif how == "swapped":
            fields.update(family_name=given, given_name=family)
        elif how == "hyphen" and ("-" in family or " " in family):
            fields["family_name"] = family.replace("-", " ") if "-" in family else family.replace(" ", "-")
        elif how == "middle":
            sex = "female" if fields["sex"] == "female" else "male"
            fields["middle_name"] = "" if fields.get("middle_name") else self.names.given(self.rng, "en_US", sex)
        else:
            fields["family_name"] = self.misspell(family)
        fields.update(phone_mobile=self.phone() if fields.get("phone_mobile") else "", email="", status="active")
        fields.pop("deceased_date", None)
        return replace(original, fields=fields, duplicate_of=original,
                       coverages=original.coverages if self.chance(0.5) else ())


def duplicate_count(count: int) -> int:
    return 0 if count < 20 else max(2, count // 400)


def iter_patients(*, seed: int, count: int) -> Iterator[PatientSpec]:
    """``count`` patients, of which ``duplicate_count(count)`` are second registrations of an
    earlier patient. Lazy, so a 100,000-patient load never holds them all."""
    factory = PatientFactory(seed)
    duplicates = set(factory.rng.sample(range(10, count), duplicate_count(count))) if count >= 20 else set()
    recent: deque[PatientSpec] = deque(maxlen=500)
    for index in range(count):
        if index in duplicates:
            yield factory.duplicate(factory.rng.choice(recent))
            continue
        spec = factory.patient()
        recent.append(spec)
        yield spec


def generate_patients(*, seed: int, count: int) -> list[PatientSpec]:
    return list(iter_patients(seed=seed, count=count))
