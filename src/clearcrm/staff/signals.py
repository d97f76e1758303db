from django.contrib.auth.models import User
from django.db.models.signals import post_save
from django.dispatch import receiver

from clearcrm.staff.models import StaffProfile


@receiver(post_save, sender=User)
def create_profile(sender, instance: User, created: bool, **kwargs) -> None:
    """Every user is a staff member with a profile."""
    if created:
        StaffProfile.objects.get_or_create(user=instance)
