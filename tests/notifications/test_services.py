"""In-app notifications and the email outbox."""

import pytest

from clearcrm.notifications.models import Notification, OutgoingEmail
from clearcrm.notifications.services import mark_read, notify

pytestmark = pytest.mark.django_db


def test_notify_skips_inactive_staff_and_respects_email_opt_out(settings, django_user_model):
    settings.EMAIL_ENABLED = True
    ana = django_user_model.objects.create_user("ana", "ana@example.com")
    ben = django_user_model.objects.create_user("ben", "ben@example.com")
    gone = django_user_model.objects.create_user("gone", "gone@example.com", is_active=False)
    ben.staff.email_notifications = False
    ben.staff.save()
    notified = notify([ana, ben, gone, ana], "Hello", "/leads/1/")
    assert {u.username for u in notified} == {"ana", "ben"}
    assert Notification.objects.count() == 2
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == ["ana@example.com"]


def test_mark_read_some_or_all(django_user_model):
    ana = django_user_model.objects.create_user("ana")
    ben = django_user_model.objects.create_user("ben")
    first, _second = (Notification.objects.create(recipient=ana, text=t) for t in "ab")
    Notification.objects.create(recipient=ben, text="c")
    assert mark_read(ana, [first.pk]) == 1
    assert mark_read(ana) == 1
    assert mark_read(ana) == 0
    assert Notification.objects.filter(is_read=False).get().recipient == ben
