"""Forms of the routing setup screens (managers)."""

from __future__ import annotations

from typing import Any

from django import forms

from clinicdesk.inbox import routing
from clinicdesk.inbox.forms import PersonChoice, _people
from clinicdesk.inbox.models import EscalationKind, Pool, Priority, RoutingRule, TargetKind
from clinicdesk.inbox.phone import KNOWN_CATEGORIES
from clinicdesk.practice.models import Location
from clinicdesk.staff.models import Practitioner, User

_LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the practice's timezone (the middleware activates it)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL)
    input_formats = [_LOCAL, "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M"]


class RuleForm(forms.Form):
    category = forms.CharField(max_length=40, required=False, help_text="Empty: any category.",
                               widget=forms.TextInput(attrs={"list": "known-categories", "autocomplete": "off"}))
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, empty_label="Any location")
    priority = forms.ChoiceField(choices=[("", "Any priority"), *Priority.choices], required=False)
    target_kind = forms.ChoiceField(choices=TargetKind.choices, label="Send to")
    target_pool = forms.ModelChoiceField(queryset=Pool.objects.none(), required=False, label="Pool",
                                         to_field_name="key", empty_label="—")
    target_user = PersonChoice(queryset=User.objects.none(), required=False, label="Person", empty_label="—")
    sla_minutes = forms.IntegerField(min_value=1, max_value=60 * 24 * 30, required=False,
                                     label="Pick up within (minutes)", help_text="Empty: no time limit.")
    escalation_kind = forms.ChoiceField(choices=[("", "No escalation"), *EscalationKind.choices[1:]],
                                        required=False, label="Escalate to", help_text="When not picked up in time. "
                                        "No escalation with a time limit: the front desk pool.")
    escalation_pool = forms.ModelChoiceField(queryset=Pool.objects.none(), required=False, label="Escalation pool",
                                             to_field_name="key", empty_label="—")
    escalation_user = PersonChoice(queryset=User.objects.none(), required=False, label="Escalation person",
                                   empty_label="—")

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pools = Pool.objects.filter(organization_id=organization_id)
        for name in ("target_pool", "escalation_pool"):
            self.fields[name].queryset = pools  # type: ignore[attr-defined]
        for name in ("target_user", "escalation_user"):
            self.fields[name].queryset = _people(organization_id)  # type: ignore[attr-defined]
        self.fields["location"].queryset = Location.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id)

    @staticmethod
    def initial_for(rule: RoutingRule) -> dict[str, Any]:
        initial: dict[str, Any] = {"category": rule.category, "location": rule.location_id,
                                   "priority": rule.priority, "target_kind": rule.target_kind,
                                   "sla_minutes": rule.sla_minutes, "escalation_kind": rule.escalation_kind}
        initial["target_pool" if rule.target_kind == routing.POOL else "target_user"] = rule.target_value or None
        initial["escalation_pool" if rule.escalation_kind == routing.POOL else "escalation_user"] = (
            rule.escalation_value or None)
        return initial

    def _value(self, kind: str, pool_field: str, user_field: str) -> str:
        data = self.cleaned_data
        if kind == routing.POOL:
            if data.get(pool_field) is None:
                self.add_error(pool_field, "Choose the pool.")
            return data[pool_field].key if data.get(pool_field) else ""
        if kind == routing.USER:
            if data.get(user_field) is None:
                self.add_error(user_field, "Choose the person.")
            return str(data[user_field].pk) if data.get(user_field) else ""
        return ""

    def rule_fields(self) -> dict[str, Any]:
        """The service's fields, or {} with errors added to the form."""
        data = self.cleaned_data
        fields = {"category": data["category"].strip(), "location": data["location"], "priority": data["priority"],
                  "target_kind": data["target_kind"], "sla_minutes": data["sla_minutes"],
                  "escalation_kind": data["escalation_kind"]}
        fields["target_value"] = self._value(data["target_kind"], "target_pool", "target_user")
        fields["escalation_value"] = self._value(data["escalation_kind"], "escalation_pool", "escalation_user")
        return {} if self.errors else fields


class PoolForm(forms.Form):
    name = forms.CharField(max_length=80)
    key = forms.SlugField(max_length=40, help_text="Short name used by routing rules, e.g. billing.")
    members = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple)
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                          label="Team of practitioner", empty_label="— not a team —",
                                          help_text="Set for a practitioner's team: refills go here.")

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        members.queryset = _people(organization_id)  # type: ignore[attr-defined]
        members.label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        self.fields["practitioner"].queryset = Practitioner.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id, active=True)


class AbsenceForm(forms.Form):
    user = PersonChoice(queryset=User.objects.none(), label="Who is away")
    delegate = PersonChoice(queryset=User.objects.none(), required=False, label="Covered by",
                            empty_label="— nobody: the next rule decides —")
    start = LocalDateTimeField(label="From")
    end = LocalDateTimeField(label="Until")

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("user", "delegate"):
            self.fields[name].queryset = _people(organization_id)  # type: ignore[attr-defined]


class OnCallForm(forms.Form):
    pool = forms.ModelChoiceField(queryset=Pool.objects.none())
    user = PersonChoice(queryset=User.objects.none(), label="On call")
    start = LocalDateTimeField(label="From")
    end = LocalDateTimeField(label="Until")

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = Pool.objects.filter(organization_id=organization_id)  # type: ignore[attr-defined]
        self.fields["user"].queryset = _people(organization_id)  # type: ignore[attr-defined]


CATEGORY_SUGGESTIONS = KNOWN_CATEGORIES
