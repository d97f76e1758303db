"""Customer and contact service functions."""

import pytest
from django.core.exceptions import ValidationError

from clearcrm.customers.services import add_contact, create_customer, update_contact

pytestmark = pytest.mark.django_db


def test_contacts_have_one_address_each_in_any_case(staff_user):
    acme = create_customer(company="Acme", account_manager=staff_user, actor=staff_user)
    contact = add_contact(acme, email=" Jane@Acme.test ", first_name="Jane", actor=staff_user)
    assert contact.email == "jane@acme.test"
    with pytest.raises(ValidationError, match="Acme"):
        add_contact(create_customer(company="Globex"), email="JANE@acme.test")
    texts = list(acme.activities.order_by("pk").values_list("text", flat=True))
    assert texts == ["Customer created", "Contact added: Jane"]


def test_update_contact_changes_and_logs(staff_user):
    acme = create_customer(company="Acme")
    jane = add_contact(acme, email="jane@acme.test")
    add_contact(acme, email="john@acme.test")
    assert update_contact(jane, actor=staff_user, phone="+4930", first_name="") == ["phone"]
    with pytest.raises(ValidationError):
        update_contact(jane, actor=staff_user, email="John@acme.test")
    with pytest.raises(ValueError):
        update_contact(jane, actor=staff_user, customer=None)
