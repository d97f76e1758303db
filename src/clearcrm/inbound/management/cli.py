"""Helpers shared by the email integration's commands."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import Model
from django.forms import BaseForm, ModelForm

M = TypeVar("M", bound=Model)


def find(model: type[M], **criteria: Any) -> M:
    """The one object matching, or a CommandError that names what was not found."""
    found = model._default_manager.filter(**criteria).first()
    if found is None:
        value = next(iter(criteria.values()))
        raise CommandError(f"No {model._meta.verbose_name} {value!r}.")
    return found


def remove(model: type[Model], pk: int) -> str:
    """Delete one object by id; the sentence to print, or a CommandError."""
    name = str(model._meta.verbose_name)
    deleted, _ = model._default_manager.filter(pk=pk).delete()
    if not deleted:
        raise CommandError(f"No {name} {pk}.")
    return f"{name.capitalize()} {pk} removed."


def save_form(form: ModelForm) -> Any:
    """Save a valid form, or raise a CommandError with what its validation says."""
    if not form.is_valid():
        raise CommandError(form_errors(form))
    try:
        return form.save()
    except ValidationError as exc:
        raise CommandError("; ".join(exc.messages)) from None


def form_errors(form: BaseForm) -> str:
    """A form's errors as one line: 'field: message; other: message'."""
    return "; ".join(
        f"{name}: {message}" if name != "__all__" else str(message)
        for name, messages in form.errors.items()
        for message in messages
    )
