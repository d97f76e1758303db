"""The only writers of the web UI's own records."""

from __future__ import annotations

from django.contrib.auth.models import User

from clearcrm.web.models import TrustedImageSender


def trust_image_sender(user: User, address: str) -> bool:
    """Always show remote images in mail from `address` to `user`; False if already so."""
    address = address.strip().lower()[:254]
    if not address:
        return False
    _sender, created = TrustedImageSender.objects.get_or_create(user=user, address=address)
    return created


def distrust_image_sender(user: User, address: str) -> bool:
    deleted, _ = TrustedImageSender.objects.filter(user=user, address=address.lower()).delete()
    return bool(deleted)
