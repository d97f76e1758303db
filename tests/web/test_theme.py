"""The stylesheet of the configurable status colours, and the icon."""

import pytest
from django.urls import reverse

from clearcrm.leads.models import LeadStatus

pytestmark = pytest.mark.django_db


def test_status_colours_as_classes_and_bad_colours_replaced(client):
    good = LeadStatus.objects.get(name="New")
    bad = LeadStatus.objects.create(name="Odd", color="red;}body{display:none")
    response = client.get(reverse("theme_css"))
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css")
    assert f".status-{good.pk} {{ --status: {good.color}; }}" in css
    assert f".status-{bad.pk} {{ --status: #64748b; }}" in css and "display:none" not in css
    again = client.get(reverse("theme_css"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")
