"""Small template helpers of the staff UI."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from clearcrm.leads.models import LeadEmail
from clearcrm.notifications.models import Notification
from clearcrm.staff.models import display_name
from clearcrm.web.views.theme import safe_colour

register = template.Library()


@register.filter
def person(user: User | None) -> str:
    """A staff member's name, or an em dash for nobody."""
    return display_name(user) if user else "—"


register.filter("safe_colour", safe_colour)


@register.filter
def age(value: datetime | None) -> str:
    """'3 days': how long ago, in its largest unit only."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return _("just now")
    return timesince(value, depth=1)


@register.filter
def ago(value: datetime | None) -> str:
    """'3 days ago', or 'just now'."""
    text = age(value)
    if not text or timezone.now() - value < timedelta(minutes=1):  # type: ignore[operator]
        return text
    return _("%(time)s ago") % {"time": text}


@register.filter
def frame_size(email: LeadEmail) -> str:
    """A first height for an email's HTML frame (it cannot size itself: no script runs
    in it), guessed from the length of its text; the frame can be resized."""
    length = len(email.text) + email.text.count("\n") * 60
    return "short" if length < 600 else "medium" if length < 3000 else "long"


@register.filter
def web_url(value: str) -> str:
    """The URL if it is an http(s) link (a website taken from an email could be anything)."""
    return value if value.lower().startswith(("http://", "https://")) else ""


@register.filter
def initials(user: User | None) -> str:
    if user is None:
        return ""
    words = display_name(user).split()
    return "".join(word[0] for word in words[:2]).upper() if words else "?"


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """The bell's count (queried only by the pages that show the header)."""
    user = context["request"].user
    return Notification.objects.filter(recipient=user.pk, is_read=False).count()


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, key: str, label: str) -> SafeString:
    """A sortable column's header: a link that sorts by it, then reverses the order."""
    current = context.get("sort", "")
    ascending, descending = current == key, current == f"-{key}"
    target = f"-{key}" if ascending else key
    query = context.get("query_sort", "")
    href = "?" + urlencode({"sort": target}) + (f"&{query}" if query else "")
    state = "ascending" if ascending else "descending" if descending else "none"
    arrow = "↑" if ascending else "↓" if descending else ""
    title = _("Sort by %(column)s") % {"column": label}
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="{}" title="{}">{} '
        '<span aria-hidden="true">{}</span></a></th>',
        state, href, title, label, arrow,
    )  # fmt: skip


@register.simple_tag
def with_query(url: str, query: str, **params: str | int | None) -> str:
    """`url?params&query`: a link that keeps the current filters."""
    given = {k: v for k, v in params.items() if v is not None and v != ""}
    parts = [urlencode(given)] if given else []
    if query:
        parts.append(query)
    joined = "&".join(p for p in parts if p)
    return f"{url}?{joined}" if joined else url
