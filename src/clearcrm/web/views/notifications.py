"""Notifications: the bell's dropdown, the full list, opening one, marking read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clearcrm.notifications.models import Notification
from clearcrm.notifications.services import mark_read
from clearcrm.web.access import ids_from
from clearcrm.web.views.common import StaffRequest, back_to

MENU_SIZE = 8


def mine(request: StaffRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=request.user.pk)


@login_required
def notification_menu(request: StaffRequest) -> HttpResponse:
    """The bell's dropdown (htmx fragment): the latest notifications."""
    context = {"notifications": mine(request)[:MENU_SIZE]}
    return render(request, "web/notifications/menu.html", context)


@login_required
def notification_list(request: StaffRequest) -> HttpResponse:
    page = Paginator(mine(request), 50).get_page(request.GET.get("page"))
    context = {"section": "notifications", "page": page}
    return render(request, "web/notifications/list.html", context)


@login_required
def notification_open(request: StaffRequest, pk: int) -> HttpResponse:
    """Mark one read and follow its link; the page linked to applies its own visibility."""
    notification = get_object_or_404(mine(request), pk=pk)
    mark_read(request.user, [notification.pk])
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, {request.get_host()}, require_https=False):
        return redirect(link)
    return redirect("notifications")


@login_required
@require_POST
def notification_read(request: StaffRequest) -> HttpResponse:
    """Mark the chosen notifications read, or all of them."""
    ids = None if request.POST.get("all") else ids_from(request.POST.getlist("ids"))
    mark_read(request.user, ids)
    if request.htmx:
        return notification_menu(request)
    return back_to(request, default="notifications")
