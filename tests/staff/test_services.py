"""The staff profile service."""

import pytest

from clearcrm.staff.services import update_profile

pytestmark = pytest.mark.django_db


def test_update_profile_changes_only_what_differs(staff_user):
    assert update_profile(staff_user, full_name="Ana García", phone="", email_notifications=False) \
        == ["full_name", "email_notifications"]  # fmt: skip
    staff_user.staff.refresh_from_db()
    assert staff_user.staff.full_name == "Ana García" and not staff_user.staff.email_notifications
    assert update_profile(staff_user, full_name="Ana García") == []
    with pytest.raises(ValueError):
        update_profile(staff_user, active=False)
