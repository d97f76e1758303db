"""Notifications: the bell's count and dropdown, the list, opening one, marking read."""

import pytest
from django.urls import reverse

from clearcrm.notifications.services import notify
from tests.web.conftest import lead

pytestmark = pytest.mark.django_db


def test_the_bell_counts_unread(rep, rep_client):
    notify([rep], "One", "/")
    notify([rep], "Two", "/")
    page = rep_client.get(reverse("home")).content.decode()
    assert 'id="bell-count">2<' in page and "Notifications, 2 unread" in page


def test_the_dropdown_lists_the_latest_and_marks_all_read(rep, rep_client):
    target = lead("Jane", assigned=rep)
    notify([rep], "New lead: Jane", target.get_absolute_url())
    menu = rep_client.get(reverse("notifications_menu")).content.decode()
    notification = rep.notifications.get()
    assert "New lead: Jane" in menu and reverse("notification", args=[notification.pk]) in menu
    again = rep_client.post(reverse("notifications_read"), {"all": "1"}, HTTP_HX_REQUEST="true")
    assert "Mark all read" in again.content.decode()
    assert not rep.notifications.filter(is_read=False).exists()


def test_opening_one_marks_it_read_and_follows_its_link(rep, rep_client):
    target = lead("Jane", assigned=rep)
    notify([rep], "New lead: Jane", target.get_absolute_url())
    notification = rep.notifications.get()
    response = rep_client.get(reverse("notification", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == target.get_absolute_url()
    notification.refresh_from_db()
    assert notification.is_read


def test_links_elsewhere_are_not_followed(rep, rep_client):
    notify([rep], "Phish", "https://evil.example/")
    notification = rep.notifications.get()
    response = rep_client.get(reverse("notification", args=[notification.pk]))
    assert response["Location"] == reverse("notifications")


def test_the_list_and_marking_one_read(rep, rep_client):
    notify([rep], "First", "/")
    notify([rep], "Second", "/")
    first = rep.notifications.get(text="First")
    page = rep_client.get(reverse("notifications")).content.decode()
    assert "First" in page and "Second" in page
    rep_client.post(reverse("notifications_read"), {"ids": [first.pk], "next": "/notifications/"})
    assert list(rep.notifications.filter(is_read=False).values_list("text", flat=True)) == [
        "Second"
    ]
