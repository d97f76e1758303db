"""The stylesheet of the configurable colours (lead statuses), so no page needs inline style."""

from __future__ import annotations

import hashlib
import re

from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.http import condition

from clearcrm.leads.models import LeadStatus
from clearcrm.web.views.common import StaffRequest

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
FALLBACK = "#64748b"


def safe_colour(value: str) -> str:
    return value if COLOUR.fullmatch(value or "") else FALLBACK


def status_rules() -> str:
    rules = [
        f".status-{pk} {{ --status: {safe_colour(colour)}; }}"
        for pk, colour in LeadStatus.objects.values_list("pk", "color")
    ]
    return "\n".join(rules) + "\n"


def rules_etag(request: StaffRequest) -> str:
    return hashlib.sha256(status_rules().encode()).hexdigest()[:16]


@condition(etag_func=rules_etag)
def theme_css(request: StaffRequest) -> HttpResponse:
    response = HttpResponse(status_rules(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def favicon(request: StaffRequest) -> HttpResponse:
    """Pages without the icon link (the admin's) make browsers ask for /favicon.ico."""
    return redirect(static("web/favicon.svg"))
