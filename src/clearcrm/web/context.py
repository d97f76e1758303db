"""What the header of every page shows: the bell's unread count and the user's role.

Lazy, so a page that renders no header (a fragment, a download) costs no query.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from clearcrm.notifications.models import Notification
from clearcrm.staff.models import is_admin


def header(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "unread_count": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user, is_read=False).count()
        ),
        "user_is_admin": SimpleLazyObject(lambda: is_admin(user)),
    }
