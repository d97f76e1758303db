"""Customers: the list with search, a customer's page, contacts added and edited."""

import pytest
from django.urls import reverse

from clearcrm.customers.models import Contact
from clearcrm.customers.services import add_contact, create_customer
from clearcrm.tasks.services import create_task
from clearcrm.timeline.services import add_note

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(rep):
    customer = create_customer(company="Acme GmbH", account_manager=rep, phone="+4930111")
    add_contact(customer, email="anna@acme.example", first_name="Anna", last_name="Berg",
                is_primary=True)  # fmt: skip
    return customer


def test_list_and_search(rep_client, acme):
    create_customer(company="Globex")
    page = rep_client.get(reverse("customers")).content.decode()
    assert "Acme GmbH" in page and "Globex" in page
    for q in ("acme", "anna@acme", "Berg"):
        found = rep_client.get(reverse("customers"), {"q": q}).context["page"].object_list
        assert [c.company for c in found] == ["Acme GmbH"], q


def test_empty_states(rep_client):
    assert "No customers yet" in rep_client.get(reverse("customers")).content.decode()
    page = rep_client.get(reverse("customers"), {"q": "zzz"}).content.decode()
    assert "No customer matches" in page


def test_a_customers_page_shows_contacts_tasks_notes_and_activity(rep, rep_client, acme):
    create_task(title="Quarterly review", customer=acme, assignees=[rep])
    add_note(acme, "Email from Anna: renewal question", author=None)
    page = rep_client.get(reverse("customer", args=[acme.pk])).content.decode()
    for text in ("Acme GmbH", "anna@acme.example", "Primary", "Quarterly review",
                 "renewal question", "Customer created", "Rita"):  # fmt: skip
        assert text in page, text


def test_add_and_edit_a_contact(rep_client, acme):
    response = rep_client.post(reverse("contact_add", args=[acme.pk]),
                               {"first_name": "Bo", "email": "BO@acme.example"})  # fmt: skip
    assert response.status_code == 302
    bo = Contact.objects.get(email="bo@acme.example")
    data = {"first_name": "Bo", "last_name": "Lind", "email": bo.email}
    response = rep_client.post(reverse("contact_edit", args=[bo.pk]), data)
    bo.refresh_from_db()
    assert response.status_code == 302 and bo.last_name == "Lind"
    assert acme.activities.filter(text__startswith="Contact changed").exists()


def test_an_address_already_taken_is_an_error_next_to_the_field(rep_client, acme):
    other = create_customer(company="Globex")
    response = rep_client.post(reverse("contact_add", args=[other.pk]),
                               {"email": "anna@acme.example"})  # fmt: skip
    assert response.status_code == 200 and 'class="field-error"' in response.content.decode()
    assert Contact.objects.count() == 1


def test_notes_on_customers(rep_client, acme):
    rep_client.post(reverse("customer_note_add", args=[acme.pk]), {"text": "Prefers calls"})
    assert acme.notes.get().text == "Prefers calls"
