"""Form fields shared by every screen."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from clinicdesk.patients.search import parse_date


class TypedDateField(forms.DateField):
    """A date typed the way people say it: 03/14/1962, 3/14/1962, 1962-03-14 or 03141962."""

    widget = forms.TextInput(attrs={"placeholder": "MM/DD/YYYY", "autocomplete": "off", "inputmode": "numeric"})

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        parsed = parse_date(str(value).strip())
        if parsed is None:
            raise forms.ValidationError("Type the date as MM/DD/YYYY, e.g. 03/14/1962.", code="invalid")
        return parsed

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%m/%d/%Y") if isinstance(value, date) else value


class PastDateField(TypedDateField):
    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value > date.today():
            raise forms.ValidationError("This date is in the future.", code="future")
        if value and value.year < date.today().year - 130:
            raise forms.ValidationError("This date is more than 130 years ago; please check the year.",
                                        code="too_old")
