"""The web UI's own records: senders whose remote images a user always wants."""

import pytest

from clearcrm.web.models import trusts_images_from
from clearcrm.web.services import distrust_image_sender, trust_image_sender

pytestmark = pytest.mark.django_db


def test_trusting_a_sender_is_per_user_and_case_blind(rep, other_rep):
    assert trust_image_sender(rep, "News@Shop.example")
    assert not trust_image_sender(rep, "news@shop.example")
    assert trusts_images_from(rep, "NEWS@shop.example")
    assert not trusts_images_from(other_rep, "news@shop.example")
    assert not trust_image_sender(rep, "  ")
    assert distrust_image_sender(rep, "news@shop.example")
    assert not trusts_images_from(rep, "news@shop.example")
