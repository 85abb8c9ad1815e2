"""The practice itself: organization, its locations (with rooms) and departments."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

from clinicdesk.lib.npi import npi_error


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. America/New_York).")


def validate_npi(value: str) -> None:
    if value and (error := npi_error(value)):
        raise ValidationError(error)


class Address(models.Model):
    """Postal address fields shared by locations, patients, payers and contacts."""

    line1 = models.CharField("address line 1", max_length=120, blank=True)
    line2 = models.CharField("address line 2", max_length=120, blank=True)
    city = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")

    class Meta:
        abstract = True

    def address_lines(self) -> list[str]:
        city_line = " ".join(p for p in [f"{self.city}," if self.city else "", self.state, self.postal_code] if p)
        return [line for line in [self.line1, self.line2, city_line.strip(" ,")] if line]


class Organization(Address):
    """A practice. Every table that holds patient data carries its organization."""

    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="America/New_York", validators=[validate_timezone])
    tax_id = models.CharField("tax id (EIN)", max_length=20, blank=True)
    billing_npi = models.CharField("billing NPI", max_length=10, blank=True, validators=[validate_npi])
    phone = models.CharField(max_length=20, blank=True)
    mrn_prefix = models.CharField("MRN prefix", max_length=8, blank=True)
    next_mrn = models.PositiveBigIntegerField(default=1000)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Location(Address):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=20, blank=True)
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone],
                                help_text="Leave blank to use the practice's time zone.")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="location_name_unique")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=40, default="exam", help_text="exam, procedure, imaging, operating, …")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_name_unique")]
        ordering = ["location__name", "name"]

    def __str__(self) -> str:
        return f"{self.location.name} · {self.name}"


class Department(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(max_length=120)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="department_name_unique")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
