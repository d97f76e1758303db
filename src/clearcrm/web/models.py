"""What the staff web UI remembers for each user."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from clearcrm.fields import EmailAddressField


class TrustedImageSender(models.Model):
    """A sender whose emails' remote images a staff member always wants shown."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_image_senders"
    )
    address = EmailAddressField(max_length=254)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "address"], name="trust_sender_once")
        ]

    def __str__(self) -> str:
        return self.address


def trusts_images_from(user: AbstractBaseUser | AnonymousUser, address: str) -> bool:
    """Whether the user asked to always see remote images in mail from `address`."""
    if not (address and user.is_authenticated):
        return False
    return TrustedImageSender.objects.filter(user=user.pk, address=address.lower()).exists()
