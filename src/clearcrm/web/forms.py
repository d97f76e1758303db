"""Forms of the staff web UI. They validate; the views save through the service functions."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from clearcrm.customers.models import Contact
from clearcrm.leads.models import Lead, LeadStatus
from clearcrm.tasks.models import Task
from clearcrm.web.filters import staff_members

MAX_UPLOAD = 25 * 1024 * 1024
LEAD_FIELDS = ("name", "company", "title", "email", "phone", "website", "address", "city",
               "state", "zip", "country", "source", "description")  # fmt: skip


class StaffChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", _("Nobody"))
        super().__init__(queryset=staff_members(), **kwargs)

    def label_from_instance(self, obj: User) -> str:
        return obj.staff.display_name if hasattr(obj, "staff") else obj.get_username()


class LeadProfileForm(forms.ModelForm):
    """A lead's profile; the phone as typed is kept, and also in E.164 when it parses.

    Never saved itself (it validates a throwaway instance): update_lead and
    create_lead write, with their activity entries.
    """

    website = forms.URLField(label=_("Website"), max_length=500, required=False,
                             assume_scheme="https")  # fmt: skip

    class Meta:
        model = Lead
        fields = LEAD_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def changes(self) -> dict[str, Any]:
        """The cleaned values in the form update_lead takes."""
        data = dict(self.cleaned_data)
        typed = data.pop("phone")
        data["phone"], data["phone_display"] = e164(typed), typed
        return data


def lead_initial(lead: Lead) -> dict[str, Any]:
    initial = {name: getattr(lead, name) for name in LEAD_FIELDS}
    initial["phone"] = lead.phone_display or lead.phone
    initial["source"] = lead.source_id
    return initial


def e164(typed: str) -> str:
    """+49 30 1234567 → +49301234567; what does not parse stays as typed."""
    try:
        number = phonenumbers.parse(typed, None)
    except phonenumbers.NumberParseException:
        return typed
    if not phonenumbers.is_valid_number(number):
        return typed
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class NewLeadForm(LeadProfileForm):
    status = forms.ModelChoiceField(LeadStatus.objects.all(), label=_("Status"), required=False,
                                    empty_label=_("Default"))  # fmt: skip
    assigned = StaffChoiceField(label=_("Assigned to"), required=False)
    is_public = forms.BooleanField(label=_("Public (every staff member sees it)"), required=False)


class TextForm(forms.Form):
    """A note or a comment."""

    text = forms.CharField(label=_("Text"), max_length=20_000,
                           widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    due_date = forms.DateField(label=_("Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    priority = forms.ChoiceField(label=_("Priority"), choices=Task.Priority.choices,
                                 initial=Task.Priority.MEDIUM)  # fmt: skip
    assignee = StaffChoiceField(label=_("Assigned to"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=20_000,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ("first_name", "last_name", "email", "phone", "is_primary")


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email_notifications = forms.BooleanField(
        label=_("Send me an email for each notification"), required=False
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Files up to 25 MB can be attached."))
        return upload
