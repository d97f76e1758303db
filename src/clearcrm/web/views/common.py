"""Small pieces several views share."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from clearcrm.web.forms import TextForm


class StaffRequest(HttpRequest):
    """A request of a logged-in staff member (what @login_required views receive),
    through django-htmx's middleware."""

    user: User
    htmx: HtmxDetails


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string minus some parameters (for links that change them)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def back_to(request: HttpRequest, default: str = "leads") -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=False):
        return redirect(target)
    return redirect(default)


def post_text(
    request: HttpRequest, save: Callable[[str], object], done: str, missing: str, target: str
) -> HttpResponse:
    """Save a posted text (a note, a comment) through `save`, say how it went, go back."""
    form = TextForm(request.POST)
    if form.is_valid():
        save(form.cleaned_data["text"])
        messages.success(request, done)
    else:
        messages.error(request, missing)
    return redirect(target)
