"""The user's own profile and password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clearcrm.staff.models import ensure_profile
from clearcrm.staff.services import update_profile
from clearcrm.web.forms import ProfileForm
from clearcrm.web.models import TrustedImageSender
from clearcrm.web.services import distrust_image_sender
from clearcrm.web.views.common import StaffRequest


@login_required
def profile(request: StaffRequest) -> HttpResponse:
    staff = ensure_profile(request.user)
    initial = {"full_name": staff.full_name, "phone": staff.phone,
               "email_notifications": staff.email_notifications}  # fmt: skip
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        update_profile(request.user, **form.cleaned_data)
        messages.success(request, _("Profile saved."))
        return redirect("profile")
    senders = TrustedImageSender.objects.filter(user=request.user).order_by("address")
    context = {"section": "profile", "form": form, "image_senders": senders}
    return render(request, "web/profile.html", context)


@login_required
@require_POST
def forget_image_sender(request: StaffRequest) -> HttpResponse:
    """Stop always showing remote images from a sender."""
    address = request.POST.get("address", "")
    if distrust_image_sender(request.user, address):
        messages.success(
            request, _("Images from %(sender)s are blocked again.") % {"sender": address}
        )
    return redirect("profile")


class PasswordChange(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("profile")
    extra_context = {"section": "profile"}
    success_message = gettext_lazy("Password changed.")
