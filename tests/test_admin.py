"""Every model is in the admin, with list filters, and its pages render."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

OUR_APPS = {
    "staff", "customers", "leads", "tasks", "timeline", "attachments", "notifications", "inbound",
}  # fmt: skip


def our_models():
    from django.apps import apps

    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def test_every_model_registered_with_filters():
    for model in our_models():
        if model._meta.model_name == "staffprofile":
            continue  # shown inline on the user page
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, f"{model.__name__} missing from the admin"
        assert model_admin.list_filter, f"{model.__name__} has no list filters"


def test_changelists_render(admin_client):
    for model in our_models():
        if model in admin.site._registry:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert admin_client.get(url).status_code == 200, url


def test_mailbox_password_never_rendered(admin_client):
    from clearcrm.inbound.models import Mailbox

    box = Mailbox(name="Sales", host="imap.example", login="sales@example.com")
    box.password = "hunter2-very-secret"
    box.save()
    page = admin_client.get(reverse("admin:inbound_mailbox_change", args=[box.pk])).content
    assert b"hunter2-very-secret" not in page
    assert box.password_encrypted.encode() not in page
