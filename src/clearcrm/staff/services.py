"""The only writers of staff profiles."""

from __future__ import annotations

from django.contrib.auth.models import User

from clearcrm.staff.models import ensure_profile

PROFILE_FIELDS = ("full_name", "phone", "email_notifications")


def update_profile(user: User, **fields: str | bool) -> list[str]:
    """Change a staff member's own profile (name, phone, email notifications)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    profile = ensure_profile(user)
    changed = [name for name, value in fields.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, fields[name])
    if changed:
        profile.save(update_fields=changed)
    return changed
