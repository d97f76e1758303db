"""A lead's emails: the body (text or sandboxed HTML), the original, attachments.

Every view finds its email or attachment through what the user may see
(web.access), so another rep's private lead's mail answers 404 everywhere.
"""

from __future__ import annotations

from io import BytesIO
from typing import BinaryIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from clearcrm.attachments.models import stored_path
from clearcrm.leads.models import LeadEmail
from clearcrm.web.access import attachment_for, email_for
from clearcrm.web.emailhtml import display_html
from clearcrm.web.models import trusts_images_from
from clearcrm.web.services import trust_image_sender
from clearcrm.web.views.common import StaffRequest

# The frame's own policy: nothing runs, nothing loads but the email's own
# inline images (data:) and, once asked for, remote ones. `sandbox` applies
# even when the URL is opened outside the iframe.
FRAME_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:{remote}; font-src 'none'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox"
)
# Files that must never render as a page of ours, whatever their bytes.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def raw_bytes(email: LeadEmail) -> bytes:
    if not email.raw_file:
        return b""
    try:
        return stored_path(email.raw_file).read_bytes()
    except FileNotFoundError:
        return b""


def has_html(email: LeadEmail) -> bool:
    return bool(email.html or email.raw_file)


def shows_images(request: StaffRequest, email: LeadEmail) -> bool:
    return request.GET.get("images") == "1" or trusts_images_from(request.user, email.from_email)


@login_required
@xframe_options_sameorigin
def email_html(request: StaffRequest, pk: int) -> HttpResponse:
    """The sanitised HTML of one email, as a document for a sandboxed iframe."""
    email = email_for(request.user, pk)
    show = shows_images(request, email)
    shown = display_html(raw_bytes(email), email.html, show_remote=show)
    response = render(request, "web/emails/frame.html", {"html": shown.html})
    response["Content-Security-Policy"] = FRAME_POLICY.format(
        remote=" https: http:" if show else ""
    )
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def email_body(request: StaffRequest, pk: int) -> HttpResponse:
    """One email's body for the conversation: the text, or the HTML frame (htmx fragment)."""
    email = email_for(request.user, pk)
    html_view = request.GET.get("view") == "html"
    return render(request, "web/emails/body.html", body_context(request, email, html_view))


def body_context(request: StaffRequest, email: LeadEmail, html_view: bool) -> dict[str, object]:
    """What an email's body shows: the HTML frame (and its images bar) or the text."""
    html_view = html_view and has_html(email)
    context: dict[str, object] = {"email": email, "html_view": html_view}
    if html_view:
        show = shows_images(request, email)
        shown = display_html(raw_bytes(email), email.html, show_remote=show)
        context.update(images_shown=show, remote_images=shown.remote_images)
    return context


@login_required
@require_POST
def trust_sender(request: StaffRequest, pk: int) -> HttpResponse:
    """Always show remote images in mail from this email's sender (to this user)."""
    email = email_for(request.user, pk)
    trust_image_sender(request.user, email.from_email)
    if request.htmx:
        return render(request, "web/emails/body.html", body_context(request, email, True))
    messages.success(
        request, _("Images from %(sender)s will always be shown.") % {"sender": email.from_email}
    )
    return redirect(f"{email.lead.get_absolute_url()}?html={email.pk}#email-{email.pk}")


@login_required
def email_raw(request: StaffRequest, pk: int) -> FileResponse:
    """The message as received ("View original"), as a download."""
    email = email_for(request.user, pk)
    raw = raw_bytes(email)
    if not raw:
        raise Http404(_("The original of this email was not kept."))
    return download(BytesIO(raw), f"email-{email.pk}.eml", "message/rfc822")


@login_required
def attachment(request: StaffRequest, pk: int) -> FileResponse:
    """An attachment, always as a download, never rendered by the browser."""
    found = attachment_for(request.user, pk)
    try:
        file = found.path.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is missing from storage.")) from None
    return download(file, found.original_name, "application/octet-stream")


def download(file: BinaryIO, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(file, as_attachment=True, filename=filename,
                            content_type=content_type)  # fmt: skip
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
