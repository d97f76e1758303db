"""People and records for the web UI's tests: two reps and an admin, and leads made
through the service functions, as the importer and the UI make them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from clearcrm.attachments.models import NewFile
from clearcrm.leads.models import Lead, LeadEmail
from clearcrm.leads.services import add_incoming_email, create_lead
from clearcrm.staff.models import ROLE_ADMIN, ROLE_SALES_REP, role


def make_user(username: str, *roles: str) -> User:
    user = User.objects.create_user(
        username, f"{username}@example.com", first_name=username.title()
    )
    for name in roles:
        user.groups.add(role(name))
    return user


@pytest.fixture
def rep(db) -> User:
    return make_user("rita", ROLE_SALES_REP)


@pytest.fixture
def other_rep(db) -> User:
    return make_user("oscar", ROLE_SALES_REP)


@pytest.fixture
def admin(db) -> User:
    return make_user("adele", ROLE_ADMIN)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rep_client(rep) -> Client:
    return login(rep)


@pytest.fixture
def other_client(other_rep) -> Client:
    return login(other_rep)


@pytest.fixture
def admin_client(admin) -> Client:
    return login(admin)


def lead(name: str = "Jane Doe", **fields) -> Lead:
    fields.setdefault("email", f"{name.lower().replace(' ', '.')}@example.org")
    return create_lead(name=name, notify_assignee=False, **fields)


RAW = (
    b"From: Jane Doe <jane@example.org>\r\nTo: sales@example.com\r\nSubject: Quote\r\n"
    b"Message-ID: <q1@example.org>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b'<p>Hello <b>there</b></p><img src="https://tracker.example/pixel.gif">\r\n'
)


def email(about: Lead, *, raw: bytes = RAW, files: tuple[NewFile, ...] = (), **fields) -> LeadEmail:
    """An email of a lead's conversation, as the importer adds it."""
    values = {
        "from_name": about.name, "from_email": about.email, "to": "sales@example.com", "cc": "",
        "subject": "Quote", "sent_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "message_id": "<q1@example.org>", "in_reply_to": "", "text": "Hello there",
        "html": "<p>Hello <b>there</b></p>",
    }  # fmt: skip
    values.update(fields)
    return add_incoming_email(about, **values, attachments=files, raw=raw)


@pytest.fixture
def private_lead(other_rep) -> Lead:
    """A lead only its owner (the other rep) and admins may see."""
    return lead("Private Pat", assigned=other_rep)
