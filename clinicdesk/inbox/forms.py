"""Forms of the inbox work screens: filters, item actions, bulk actions, phone messages, attachments."""

from __future__ import annotations

from typing import Any

from django import forms

from clinicdesk.inbox.models import ItemStatus, Kind, Pool, Priority
from clinicdesk.inbox.phone import PHONE_CATEGORIES
from clinicdesk.staff.models import User

ATTACH_ACCEPT = "application/pdf,image/jpeg,image/png,image/webp,image/heic,image/tiff"
OPEN_STATUSES = [(s.value, s.label) for s in ItemStatus if s != ItemStatus.DONE]


class FilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Any priority"), *Priority.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Open"), *ItemStatus.choices, ("any", "Any, with done")],
                               required=False)
    patient = forms.CharField(max_length=80, required=False, label="Patient or caller",
                              widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Name or MRN"}))


def _people(organization_id: int | None) -> Any:
    if organization_id is None:
        return User.objects.none()
    return User.objects.filter(organization_id=organization_id, is_active=True).order_by("last_name", "first_name")


def _pools(organization_id: int | None) -> Any:
    return Pool.objects.none() if organization_id is None else Pool.objects.filter(organization_id=organization_id)


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class AssignForm(forms.Form):
    """Reassign to a person, a pool, or both (the pool keeps it if the person is away)."""

    user = PersonChoice(queryset=User.objects.none(), required=False, label="Person", empty_label="— nobody —")
    pool = forms.ModelChoiceField(queryset=Pool.objects.none(), required=False, empty_label="— no pool —")

    def __init__(self, *args: Any, organization_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people(organization_id)  # type: ignore[attr-defined]
        self.fields["pool"].queryset = _pools(organization_id)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and data.get("user") is None and data.get("pool") is None:
            raise forms.ValidationError("Choose a person or a pool.")
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ItemStatus.choices)


class CommentForm(forms.Form):
    text = forms.CharField(label="Comment", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Attach a file", help_text="PDF or image, up to 10 MB",
                           widget=forms.ClearableFileInput(attrs={"accept": ATTACH_ACCEPT}))


class BulkForm(forms.Form):
    """Act on the ticked items: set a status, or assign to a person or pool."""

    items = forms.TypedMultipleChoiceField(coerce=int, choices=[], error_messages={
        "required": "Tick at least one item first (x selects the current row)."})
    action = forms.ChoiceField(choices=[("status", "Set status"), ("assign", "Assign")])
    status = forms.ChoiceField(choices=[("", "—"), *ItemStatus.choices], required=False)
    user = PersonChoice(queryset=User.objects.none(), required=False, label="Person", empty_label="—")
    pool = forms.ModelChoiceField(queryset=Pool.objects.none(), required=False, empty_label="—")

    def __init__(self, *args: Any, organization_id: int | None, item_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(i, str(i)) for i in item_ids]  # type: ignore[attr-defined]
        self.fields["user"].queryset = _people(organization_id)  # type: ignore[attr-defined]
        self.fields["pool"].queryset = _pools(organization_id)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", "Choose the status to set.")
        if data.get("action") == "assign" and data.get("user") is None and data.get("pool") is None:
            self.add_error("pool", "Choose a person or a pool to assign to.")
        return data


class PhoneMessageForm(forms.Form):
    """In the order the call goes: who is calling, why, what they said, how to call back, how urgent."""

    caller_name = forms.CharField(max_length=120, required=False, label="Caller name",
                                  help_text="Needed when the caller is not a patient (yet), or calls for one.")
    category = forms.ChoiceField(choices=[("", "— choose —"), *PHONE_CATEGORIES], label="Reason")
    message = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    callback_number = forms.CharField(max_length=40, required=False, label="Callback number",
                                      widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    best_time = forms.CharField(max_length=80, required=False, label="Best time to call back",
                                widget=forms.TextInput(attrs={"placeholder": "e.g. after 3 pm"}))
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.ROUTINE, label="Urgency",
                                 widget=forms.RadioSelect)
