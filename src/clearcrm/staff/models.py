"""Staff members: Django users plus a profile. Roles are Django groups."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, User
from django.db import models

ROLE_ADMIN = "Admin"
ROLE_SALES_MANAGER = "Sales manager"
ROLE_SALES_REP = "Sales rep"
DEFAULT_ROLES = (ROLE_ADMIN, ROLE_SALES_MANAGER, ROLE_SALES_REP)


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    full_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    active = models.BooleanField(default=True)
    email_notifications = models.BooleanField(
        default=True, help_text="Send me an email for each notification, not only an in-app one."
    )

    class Meta:
        verbose_name = "staff profile"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.user.get_full_name() or self.user.get_username()


def display_name(user: User) -> str:
    """A staff member's name as people read it."""
    profile = getattr(user, "staff", None)
    return profile.display_name if profile else (user.get_full_name() or user.get_username())


def ensure_profile(user: User) -> StaffProfile:
    """A staff member's profile (made by a signal for new users; here for older ones)."""
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    return profile


def active_or_none(user: User | None) -> User | None:
    """The user if they may be assigned work and notified (active, not switched off)."""
    if user is None or not user.is_active:
        return None
    profile = getattr(user, "staff", None)
    return user if profile is None or profile.active else None


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Superusers and members of the Admin role."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or user.groups.filter(name=ROLE_ADMIN).exists()


def sees_all_leads(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Admins, and staff with the 'view all leads' permission (e.g. sales managers)."""
    if not isinstance(user, User):
        return False
    return is_admin(user) or user.has_perm("leads.view_all_leads")


def role(name: str) -> Group:
    return Group.objects.get_or_create(name=name)[0]
