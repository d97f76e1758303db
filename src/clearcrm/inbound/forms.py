"""Validation of what people set: mailboxes, spam rules and assignment rules.

One form per record, used by the CLI (``clearcrm mailbox``, ``spam``,
``rules``) and the admin, and meant for the web UI and the API: each caller
turns its input into form data and shows the form's errors, so every rule
about a valid setting is written once, here or in the model.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Max

from clearcrm.inbound.models import AssignmentRule, Mailbox, SpamRule

MAILBOX_FIELDS = (
    "name", "active", "host", "port", "encryption", "skip_verify", "login", "folders",
    "check_every", "push", "only_unseen", "create_task_if_customer", "after_import", "move_to",
    "mark_public", "default_status", "default_source", "responsible", "since",
    "max_message_size", "import_list_mail", "sender_rate_limit", "phone_region",
    "notify_imported", "notify_lead_writes_again", "notify", "notify_staff", "notify_roles",
)  # fmt: skip


class FolderListField(forms.Field):
    """Folder names: a list, or text with one name per line; none means INBOX."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:
        if value in self.empty_values:
            return ["INBOX"]
        names = value.splitlines() if isinstance(value, str) else [str(v) for v in value]
        return [name.strip() for name in names if name.strip()] or ["INBOX"]

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value


class MailboxForm(forms.ModelForm):
    """A mailbox's settings. The password is write-only: it is never shown, and
    left empty it keeps the stored one (a new mailbox needs one)."""

    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current password.",
    )
    folders = FolderListField(required=False, help_text="One folder per line; empty: INBOX.")

    class Meta:
        model = Mailbox
        fields = MAILBOX_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Empty: the usual port of the chosen encryption.
        self.fields["port"].required = False

    def clean_phone_region(self) -> str:
        return str(self.cleaned_data.get("phone_region") or "").upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("port") and cleaned.get("encryption"):
            cleaned["port"] = Mailbox.DEFAULT_PORTS[cleaned["encryption"]]
        if not cleaned.get("password") and not self.instance.password_encrypted:
            self.add_error("password", "A new mailbox needs its password.")
        if cleaned.get("after_import") != Mailbox.AfterImport.MOVE:
            cleaned["move_to"] = ""
        notify = cleaned.get("notify")
        if notify == Mailbox.Notify.STAFF and not cleaned.get("notify_staff"):
            self.add_error("notify_staff", "Choose the staff members to notify.")
        if notify == Mailbox.Notify.ROLES and not cleaned.get("notify_roles"):
            self.add_error("notify_roles", "Choose the roles to notify.")
        return cleaned

    def save(self, commit: bool = True) -> Mailbox:
        if not self.errors and (password := self.cleaned_data.get("password")):
            self.instance.password = password
        if not commit or self.instance._state.adding:
            mailbox: Mailbox = super().save(commit)
            return mailbox
        # Only the settings: the lease, the schedule and the listener's state are
        # the engine's and the worker's, and may have moved on since the form loaded.
        mailbox = super().save(commit=False)
        many = {f.name for f in Mailbox._meta.many_to_many}
        mailbox.save(update_fields=[*(f for f in MAILBOX_FIELDS if f not in many),
                                    "password_encrypted"])  # fmt: skip
        self.save_m2m()
        return mailbox


def mailbox_data(mailbox: Mailbox) -> dict[str, Any]:
    """A mailbox's current settings as form data (changed ones go on top for an update)."""
    data = forms.model_to_dict(mailbox, fields=MAILBOX_FIELDS)
    for name in ("notify_staff", "notify_roles"):
        data[name] = [related.pk for related in data.get(name, [])]
    data["password"] = ""
    return data


class SpamRuleForm(forms.ModelForm):
    class Meta:
        model = SpamRule
        fields = ("type", "value", "allow", "mailbox")


class AssignmentRuleForm(forms.ModelForm):
    """A rule's conditions (AssignmentRule.CONDITIONS) and what it does; a new rule
    without a position goes after the existing ones of its mailbox."""

    class Meta:
        model = AssignmentRule
        fields = (
            "name", "mailbox", "position", "active", *AssignmentRule.CONDITIONS, "mode",
            "assignee", "team", "set_status", "set_source", "set_public", "add_note",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False

    def clean_phone_country(self) -> str:
        return str(self.cleaned_data.get("phone_country") or "").upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mode = cleaned.get("mode")
        if mode == AssignmentRule.Mode.USER and not cleaned.get("assignee"):
            self.add_error("assignee", "Choose the staff member who gets the leads.")
        if mode in (AssignmentRule.Mode.ROUND_ROBIN, AssignmentRule.Mode.LEAST_BUSY) and not (
            cleaned.get("team")
        ):
            self.add_error("team", "Choose the team members who take turns.")
        if cleaned.get("position") is None and self.instance.pk is None:
            last = AssignmentRule.objects.filter(mailbox=cleaned.get("mailbox")).aggregate(
                last=Max("position")
            )["last"]
            cleaned["position"] = 0 if last is None else last + 1
        return cleaned
