"""Global search: leads the user may see, customers and contacts, by name, email,
company or phone."""

import pytest
from django.urls import reverse

from clearcrm.customers.services import add_contact, create_customer
from tests.web.conftest import lead

pytestmark = pytest.mark.django_db


def test_finds_leads_customers_and_contacts(rep, rep_client):
    lead("Jane Acme-Fan", assigned=rep)
    acme = create_customer(company="Acme GmbH")
    add_contact(acme, email="anna@acme.example", first_name="Anna")
    context = rep_client.get(reverse("search"), {"q": "acme"}).context
    assert [x.name for x in context["leads"]] == ["Jane Acme-Fan"]
    assert [x.company for x in context["customers"]] == ["Acme GmbH"]
    assert [x.email for x in context["contacts"]] == ["anna@acme.example"]


def test_by_phone_and_email(rep, rep_client):
    lead("Phil", phone="+4930555", assigned=rep, email="phil@example.org")
    assert rep_client.get(reverse("search"), {"q": "30555"}).context["leads"][0].name == "Phil"
    assert rep_client.get(reverse("search"), {"q": "phil@"}).context["leads"][0].name == "Phil"


def test_an_empty_search_explains_itself(rep_client):
    page = rep_client.get(reverse("search")).content.decode()
    assert "By name, email address, company or phone number." in page


def test_the_header_search_box_is_on_every_page(rep_client):
    page = rep_client.get(reverse("leads")).content.decode()
    assert f'action="{reverse("search")}"' in page and 'role="search"' in page
