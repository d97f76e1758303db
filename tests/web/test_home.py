import pytest
from django.urls import reverse

from clearcrm.leads.models import Lead, LeadSource, LeadStatus

pytestmark = pytest.mark.django_db


def make_lead(name: str, **kwargs) -> Lead:
    return Lead.objects.create(
        name=name, status=LeadStatus.default(), source=LeadSource.default(), **kwargs
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_see_public_and_own_leads(client, staff_user, django_user_model):
    other = django_user_model.objects.create_user("ben")
    make_lead("Public Lead", is_public=True)
    make_lead("Mine", assigned=staff_user)
    make_lead("Hidden", assigned=other)
    client.force_login(staff_user)
    page = client.get(reverse("home")).content.decode()
    assert "Public Lead" in page and "Mine" in page
    assert "Hidden" not in page


def test_admin_sees_every_lead(admin_client):
    make_lead("Hidden")
    assert "Hidden" in admin_client.get(reverse("home")).content.decode()
