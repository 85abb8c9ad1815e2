"""Forms of the schedule setup screens. Every choice list is limited to the manager's practice."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling.models import (
    AppointmentType,
    AvailabilityBlock,
    AvailabilityException,
    Resource,
    ResourceKind,
    TypeRequirement,
)


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = ["name", "code", "category", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes",
                  "color", "patient_instructions", "active"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"}),
                   "patient_instructions": forms.Textarea(attrs={"rows": 3})}
        labels = {"duration_minutes": "Duration (minutes)", "buffer_before_minutes": "Buffer before (minutes)",
                  "buffer_after_minutes": "Buffer after (minutes)"}

    def clean_color(self) -> str:
        color = self.cleaned_data["color"]
        if len(color) != 7 or color[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in color[1:]):
            raise forms.ValidationError("Use a colour like #1f5fae.")
        return color.lower()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = AppointmentType.objects.filter(organization_id=self.instance.organization_id, name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This practice already has a type with this name.")
        return name


class RequirementForm(forms.ModelForm):
    class Meta:
        model = TypeRequirement
        fields = ["label", "pool", "offset_minutes", "duration_minutes"]
        labels = {"pool": "Any one of", "offset_minutes": "Offset from the start (minutes)",
                  "duration_minutes": "Held for (minutes)"}
        help_texts = {"offset_minutes": "Negative = before the visit, e.g. -15 for a prep room.",
                      "duration_minutes": "Blank = until the visit ends."}
        widgets = {"pool": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pool = self.fields["pool"]
        assert isinstance(pool, forms.ModelMultipleChoiceField)
        pool.queryset = Resource.objects.filter(organization=organization, active=True).order_by("kind", "name")


class ResourceForm(forms.ModelForm):
    """Equipment and support staff; practitioners and rooms become resources through "make bookable"."""

    kind = forms.ChoiceField(choices=[(ResourceKind.EQUIPMENT.value, ResourceKind.EQUIPMENT.label),
                                      (ResourceKind.STAFF.value, ResourceKind.STAFF.label)])

    class Meta:
        model = Resource
        fields = ["kind", "name", "location", "active"]

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        location.queryset = Location.objects.filter(organization=organization)
        if self.instance.pk and self.instance.kind in (ResourceKind.PRACTITIONER, ResourceKind.ROOM):
            del self.fields["kind"]  # a practitioner's or a room's resource keeps its kind


class BlockForm(forms.ModelForm):
    class Meta:
        model = AvailabilityBlock
        fields = ["location", "weekday", "start_time", "end_time", "types", "valid_from", "valid_to"]
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "valid_from": forms.DateInput(attrs={"type": "date"}),
                   "valid_to": forms.DateInput(attrs={"type": "date"}),
                   "types": forms.CheckboxSelectMultiple}
        labels = {"types": "Allowed types", "valid_from": "First day", "valid_to": "Last day"}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope(self, organization)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The session must end after it starts.")
        first, last = data.get("valid_from"), data.get("valid_to")
        if first and last and last < first:
            self.add_error("valid_to", "The last day must not be before the first day.")
        return data


class ExceptionForm(forms.ModelForm):
    """Start and end are typed in the location's local time (the practice's when no location is given)."""

    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                help_text="Local time of the location (or of the practice).")
    end = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    class Meta:
        model = AvailabilityException
        fields = ["kind", "location", "start", "end", "reason", "types"]
        widgets = {"types": forms.CheckboxSelectMultiple}
        labels = {"types": "Allowed types (extra sessions)"}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        self.organization = organization
        instance = kwargs.get("instance")
        if instance is not None and instance.pk:
            tz = self._zone(instance.location)
            kwargs.setdefault("initial", {}).update(
                start=instance.start.astimezone(tz).replace(tzinfo=None),
                end=instance.end.astimezone(tz).replace(tzinfo=None))
        super().__init__(*args, **kwargs)
        _scope(self, organization)

    def _zone(self, location: Location | None) -> ZoneInfo:
        return ZoneInfo((location.timezone if location else "") or self.organization.timezone)

    def _local(self, value: datetime | None, tz: ZoneInfo) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=None).replace(tzinfo=tz)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tz = self._zone(data.get("location"))
        data["start"], data["end"] = self._local(data.get("start"), tz), self._local(data.get("end"), tz)
        if data["start"] and data["end"] and data["end"] <= data["start"]:
            self.add_error("end", "It must end after it starts.")
        if data.get("kind") == "extra" and not data.get("location"):
            self.add_error("location", "Say where the extra session is held.")
        return data


def _scope(form: forms.ModelForm, organization: Organization) -> None:
    location, types = form.fields["location"], form.fields["types"]
    assert isinstance(location, forms.ModelChoiceField) and isinstance(types, forms.ModelMultipleChoiceField)
    location.queryset = Location.objects.filter(organization=organization, active=True)
    types.queryset = AppointmentType.objects.filter(organization=organization, active=True)
    types.required = False
