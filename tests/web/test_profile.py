"""The user's own profile and password."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_edit_profile(rep, rep_client):
    response = rep_client.post(reverse("profile"), {"full_name": "Rita Rep", "phone": "+49301"})
    assert response.status_code == 302
    rep.staff.refresh_from_db()
    assert (rep.staff.full_name, rep.staff.phone) == ("Rita Rep", "+49301")
    assert not rep.staff.email_notifications  # the unticked box turned them off
    assert "Rita Rep" in rep_client.get(reverse("home")).content.decode()


def test_change_password(rep, client):
    rep.set_password("Old-passw0rd-long")
    rep.save()
    client.force_login(rep)
    response = client.post(reverse("password_change"), {
        "old_password": "Old-passw0rd-long", "new_password1": "N3w-passw0rd-longer",
        "new_password2": "N3w-passw0rd-longer",
    })  # fmt: skip
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("N3w-passw0rd-longer")


def test_a_wrong_old_password_is_an_error_next_to_the_field(rep, rep_client):
    response = rep_client.post(reverse("password_change"), {"old_password": "nope"})
    assert response.status_code == 200 and 'class="field-error"' in response.content.decode()


def test_the_user_menu_links_profile_password_and_logout(rep_client):
    page = rep_client.get(reverse("home")).content.decode()
    for url in (reverse("profile"), reverse("password_change"), reverse("logout")):
        assert url in page


def test_senders_whose_images_are_shown_can_be_blocked_again(rep, rep_client):
    from clearcrm.web.models import trusts_images_from
    from clearcrm.web.services import trust_image_sender

    trust_image_sender(rep, "news@shop.example")
    assert "news@shop.example" in rep_client.get(reverse("profile")).content.decode()
    rep_client.post(reverse("forget_image_sender"), {"address": "news@shop.example"})
    assert not trusts_images_from(rep, "news@shop.example")
