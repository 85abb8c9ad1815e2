from __future__ import annotations

from typing import Any

from django import forms

from clinicdesk.insurance.models import Coverage, Payer, Plan
from clinicdesk.practice.models import Organization
from clinicdesk.web.fields import TypedDateField

CARD_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,application/pdf"


class CoverageForm(forms.ModelForm):
    effective_date = TypedDateField(required=False)
    end_date = TypedDateField(required=False)
    subscriber_birth_date = TypedDateField(label="Subscriber date of birth", required=False)
    card_front_upload = forms.FileField(label="Card front", required=False,
                                        widget=forms.ClearableFileInput(attrs={"accept": CARD_ACCEPT}))
    card_back_upload = forms.FileField(label="Card back", required=False,
                                       widget=forms.ClearableFileInput(attrs={"accept": CARD_ACCEPT}))

    class Meta:
        model = Coverage
        fields = ["payer", "plan", "priority", "member_id", "group_number", "relationship",
                  "subscriber_family_name", "subscriber_given_name", "subscriber_birth_date",
                  "effective_date", "end_date", "copay", "status"]

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        payer_field, plan_field = self.fields["payer"], self.fields["plan"]
        assert isinstance(payer_field, forms.ModelChoiceField) and isinstance(plan_field, forms.ModelChoiceField)
        payer_field.queryset = Payer.objects.filter(organization=organization, active=True)
        plan_field.queryset = Plan.objects.filter(payer__organization=organization, active=True).select_related("payer")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("relationship") and data["relationship"] != "18" and not data.get("subscriber_family_name"):
            self.add_error("subscriber_family_name",
                           "Give the subscriber's name when the patient is not the subscriber.")
        return data

    def model_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def cards(self) -> dict[str, Any]:
        return {side: f for side in ("card_front", "card_back") if (f := self.cleaned_data.get(f"{side}_upload"))}
