"""Helpers shared by the email integration's commands."""

from django.core.management.base import CommandError


def find(model, **criteria):
    """The one object matching, or a CommandError that names what was not found."""
    found = model.objects.filter(**criteria).first()
    if found is None:
        value = next(iter(criteria.values()))
        raise CommandError(f"No {model._meta.verbose_name} {value!r}.")
    return found


def remove(model, pk: int) -> str:
    """Delete one object by id; the sentence to print, or a CommandError."""
    name = model._meta.verbose_name
    deleted, _ = model.objects.filter(pk=pk).delete()
    if not deleted:
        raise CommandError(f"No {name} {pk}.")
    return f"{name.capitalize()} {pk} removed."
