from __future__ import annotations

from typing import Any

from django import forms

from clinicdesk.documents.models import DocumentType
from clinicdesk.documents.selectors import destinations
from clinicdesk.inbox.models import Pool
from clinicdesk.staff.models import User
from clinicdesk.web.fields import TypedDateField

ACCEPT = "application/pdf,image/png,image/jpeg,image/tiff,.pdf,.png,.jpg,.jpeg,.tif,.tiff"
MAX_FILES = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple> (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(f, initial) for f in files if f]


class UploadForm(forms.Form):
    upload = MultipleFileField(label="Files (PDF, PNG, JPEG, TIFF)",
                              help_text=f"Choose up to {MAX_FILES} files at once.")

    def clean_upload(self) -> list[Any]:
        files = self.cleaned_data["upload"]
        if not files:
            raise forms.ValidationError("Choose at least one file to upload.")
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Upload at most {MAX_FILES} files at a time ({len(files)} chosen).")
        return files


class ClassifyForm(forms.Form):
    patient = forms.IntegerField(widget=forms.HiddenInput, required=False)
    doc_type = forms.ChoiceField(label="Document type", choices=[("", "Choose…"), *DocumentType.choices])
    document_date = TypedDateField(label="Document date", help_text="The date written on the document.")
    title = forms.CharField(max_length=200, required=False, help_text="Empty: the document type.")
    route = forms.ChoiceField(label="Send for review to", required=False)
    reason = forms.CharField(label="Reason for the change", max_length=200, required=False,
                             help_text="Needed when the document is already filed.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id = organization_id
        pools, people = destinations(organization_id)
        route = self.fields["route"]
        assert isinstance(route, forms.ChoiceField)
        route.choices = [("", "Nobody: filed is done"),
                         ("Pools", [(d.value, d.label) for d in pools]),
                         ("Practitioners", [(d.value, d.label) for d in people])]

    def clean_patient(self) -> int:
        patient = self.cleaned_data.get("patient")
        if not patient:
            raise forms.ValidationError("Find and choose the patient this document is about.")
        return int(patient)

    def destination(self) -> tuple[User | None, Pool | None]:
        """The user or pool chosen under "Send for review to" (both None: nobody)."""
        kind, _, pk = (self.cleaned_data.get("route") or "").partition(":")
        if kind == "pool":
            return None, Pool.objects.filter(pk=int(pk), organization_id=self.organization_id).first()
        if kind == "user":
            return User.objects.filter(pk=int(pk), organization_id=self.organization_id).first(), None
        return None, None
