import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    page = client.get(reverse("login")).content.decode()
    assert 'name="username"' in page and 'name="password"' in page


def test_login_with_valid_credentials(client, django_user_model):
    django_user_model.objects.create_user("ana", password="a-Long-passw0rd")
    response = client.post(reverse("login"), {"username": "ana", "password": "a-Long-passw0rd"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_wrong_password_is_refused(client, django_user_model):
    django_user_model.objects.create_user("ana", password="a-Long-passw0rd")
    response = client.post(reverse("login"), {"username": "ana", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_repeated_failures_lock_the_account_out(client, django_user_model, settings):
    django_user_model.objects.create_user("ana", password="a-Long-passw0rd")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "ana", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ana", "password": "a-Long-passw0rd"})
    assert response.status_code == 429
