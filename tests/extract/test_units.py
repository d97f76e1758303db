"""Unit tests of the building blocks and the precedence rules of lead extraction."""

from __future__ import annotations

import pytest

from clearcrm.inbound.extract import (
    LEAD_FIELDS,
    LeadDetails,
    Value,
    canonical_country,
    extract_lead_details,
    is_free_mail_domain,
    name_from_address,
    split_name,
)
from clearcrm.inbound.extract.detect import sender_is_service
from clearcrm.inbound.extract.labels import field_for_label
from clearcrm.inbound.extract.normalise import normalise


def extract(text="", html="", *, sender=("", ""), reply_to=(), subject="", region=None):
    return extract_lead_details(
        sender_name=sender[0],
        sender_email=sender[1],
        reply_to=list(reply_to),
        subject=subject,
        text=text,
        html=html,
        default_region=region,
    )


def values(details: LeadDetails) -> dict[str, str]:
    return {field: value.value for field, value in details.fields.items()}


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("Müller, Jürgen", ("Jürgen", "Müller")),
        ("JOHN SMITH", ("John", "Smith")),
        ("john smith", ("John", "Smith")),
        ("JOHN MCDONALD", ("John", "McDonald")),
        ("Ronald McDonald", ("Ronald", "McDonald")),
        ("Jan van der Berg", ("Jan", "van der Berg")),
        ("JAN VAN DER BERG", ("Jan", "van der Berg")),
        ("SEAN O'NEIL", ("Sean", "O'Neil")),
        ("Sean O'Neil", ("Sean", "O'Neil")),
        ("Jean DUPONT", ("Jean", "Dupont")),
        ("Dr. Anna Schmidt", ("Anna", "Schmidt")),
        ("John F. Kennedy", ("John F.", "Kennedy")),
        ("García López, María José", ("María José", "García López")),
        ("MARY-JANE WATSON", ("Mary-Jane", "Watson")),
        ('"Jane Doe (Acme Corp)"', ("Jane", "Doe")),
        ("Jane Doe via LinkedIn", ("Jane", "Doe")),
        ("John Smith, PhD", ("John", "Smith")),
        ("Madonna", ("Madonna", "")),
        ("", ("", "")),
        ("jane@example.com", ("", "")),
    ],
)
def test_split_name(display, expected):
    assert split_name(display) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("jane.doe@example.com", "Jane Doe"),
        ("max-mueller@firma.de", "Max Mueller"),
        ("jane_doe85@gmail.com", "Jane Doe"),
        ("john.mcdonald+crm@example.com", "John McDonald"),
        ("jdoe@example.com", ""),  # one token: could be anything
        ("j.doe@example.com", ""),  # an initial is not a first name
        ("info@example.com", ""),
        ("sales@example.com", ""),
        ("no-reply@example.com", ""),
        ("wordpress@example.com", ""),
        ("sales.team@example.com", ""),
        ("", ""),
    ],
)
def test_name_from_address(address, expected):
    assert name_from_address(address) == expected


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True),
        ("GMAIL.COM", True),
        ("outlook.com", True),
        ("web.de", True),
        ("yahoo.co.jp", True),  # a brand under a country domain
        ("gmx.ch", True),
        ("orange.fr", True),
        ("acme.com", False),
        ("mail.acme.co.uk", False),
        ("", False),
    ],
)
def test_is_free_mail_domain(domain, free):
    assert is_free_mail_domain(domain) is free


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("email", "Jane <Jane.Doe@Example.COM>", "jane.doe@example.com"),
        ("email", "mailto:x@example.org", "x@example.org"),
        ("website", "www.Example.com/", "https://www.example.com"),
        ("website", "http://acme.de/kontakt", "http://acme.de/kontakt"),
        ("zip", "sw1a 1aa", "SW1A 1AA"),
        ("country", "Deutschland", "Germany"),
        ("country", "DE", "Germany"),
        ("country", "España", "Spain"),
        ("country", "Atlantis", "Atlantis"),  # unknown names stay as written
        ("name", "JANE DOE", "Jane Doe"),
    ],
)
def test_normalise(field, raw, expected):
    assert normalise(field, raw)[0] == expected


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("email", "jane at example dot com"),
        ("website", "not sure"),
        ("website", "jane@example.com"),
        ("name", "https://spam.example"),
        ("name", "<b>Jane</b>"),
        ("company", "A" * 400),
        ("company", "QUJD" * 20),
        ("zip", "no zip"),
    ],
)
def test_garbage_is_rejected(field, raw):
    assert normalise(field, raw) is None


def test_countries():
    assert canonical_country("Allemagne") == "Germany"
    assert canonical_country("USA") == "United States"
    assert canonical_country("Mars") == ""


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("E-Mail", "email"),
        ("Courriel", "email"),
        ("Correo electrónico", "email"),
        ("Telefon", "phone"),
        ("Téléphone", "phone"),
        ("Nombre", "name?"),
        ("Firma", "company"),
        ("Empresa", "company"),
        ("Société", "company"),
        ("Nachricht", "description"),
        ("Mensaje", "description"),
        ("What's your work email?", "email"),
        ("Company name", "company"),
        ("Company size", ""),
        ("Page URL", ""),
        ("Nombre de participants", ""),
        ("How did you hear about us?", ""),
    ],
)
def test_labels(label, field):
    assert field_for_label(label) == field


@pytest.mark.parametrize(
    ("name", "email", "service"),
    [
        ("WordPress", "wordpress@acme.com", True),
        ("Typeform", "no-reply@typeform.com", True),
        ("Acme", "noreply@acme.com", True),
        ("Jotform", "noreply@jotform.com", True),
        ("Site", "ne-pas-repondre@site.fr", True),
        ("Contact Form", "info@acme.com", True),
        ("Jane Doe", "jane@acme.com", False),
        ("", "info@acme.com", False),
    ],
)
def test_sender_is_service(name, email, service):
    assert sender_is_service(name, email) is service


def test_result_types():
    details = extract("Hello", sender=("Jane Doe", "jane@acme.com"))
    assert isinstance(details, LeadDetails)
    assert all(isinstance(value, Value) for value in details.fields.values())
    assert set(details.fields) <= set(LEAD_FIELDS)


FORM_TEXT = """Name: Jane Visitor
Email: jane.visitor@example.org
Phone: +1 415 555 2671
Message: Please call me.
"""


def test_person_is_the_lead_form_beats_reply_to_and_sender():
    details = extract(
        FORM_TEXT,
        sender=("Acme Site", "wordpress@acme.com"),
        reply_to=[("Someone Else", "someone@example.net")],
        subject="New submission",
    )
    assert details.is_form and details.sender_is_service
    assert details.fields["email"] == Value("jane.visitor@example.org", "form")
    assert details.fields["name"] == Value("Jane Visitor", "form")


def test_person_is_the_lead_reply_to_when_the_form_has_no_email():
    details = extract(
        "Phone: +1 415 555 2671\nMessage: Please call me.\nBudget: 5k",
        sender=("Acme Site", "wordpress@acme.com"),
        reply_to=[("Jane Visitor", "jane.visitor@example.org")],
        subject="New submission",
    )
    assert details.fields["email"] == Value("jane.visitor@example.org", "header")
    assert details.fields["name"] == Value("Jane Visitor", "header")


def test_person_is_the_lead_never_the_form_service():
    details = extract(
        "Phone: +1 415 555 2671\nMessage: Please call me.\nBudget: 5k",
        sender=("Typeform", "no-reply@typeform.com"),
        reply_to=[("Typeform", "no-reply@typeform.com")],
        subject="New response",
    )
    assert details.is_form and details.sender_is_service
    assert "email" not in details.fields
    assert "name" not in details.fields


def test_person_is_the_lead_a_personal_sender_comes_last():
    details = extract(
        "Name: Jane Visitor\nPhone: +1 415 555 2671\nMessage: Please call me.",
        sender=("Jane Visitor", "jane.visitor@example.org"),
        subject="Contact form",
    )
    assert details.is_form and not details.sender_is_service
    assert details.fields["email"] == Value("jane.visitor@example.org", "header")
    assert details.fields["name"].source == "form"


def test_name_from_the_address_only_when_nothing_better_exists():
    details = extract(
        "Email: jane.doe@example.org\nMessage: hi\nPhone: +1 415 555 2671",
        sender=("WordPress", "wordpress@acme.com"),
        subject="New submission",
    )
    assert details.fields["name"] == Value("Jane Doe", "address")


FIELD_ID_HTML = """
<table>
<tr><td>Name</td><td>Table Name</td></tr>
<tr><td>Email</td><td>table@example.org</td></tr>
<tr><td>Phone</td><td>+1 415 555 2671</td></tr>
</table>
<p id="field_name">Id Name</p>
<p id="field_email">id@example.org</p>
<p id="field_phonenumber">+33 1 42 68 53 00</p>
<p id="custom_field_12">Blue</p>
"""


def test_field_id_convention_wins_over_detection():
    details = extract(html=FIELD_ID_HTML, sender=("Site", "noreply@acme.com"))
    assert details.is_form
    assert details.fields["name"] == Value("Id Name", "form_id")
    assert details.fields["email"] == Value("id@example.org", "form_id")
    assert details.fields["phone"] == Value(
        "+33142685300", "form_id", "+33 1 42 68 53 00", region="FR", region_source="number"
    )
    assert details.extra["custom_field_12"] == "Blue"
    # the losing table values are kept, not dropped
    assert details.extra["Email"] == "table@example.org"


def test_invalid_values_are_listed_not_filled():
    details = extract(
        "Name: Jane Visitor\nEmail: jane at example\nPhone: 123\nWebsite: n/a please\nMessage: hi",
        sender=("WordPress", "wordpress@acme.com"),
        subject="New submission",
        region="US",
    )
    assert "email" not in details.fields and "phone" not in details.fields
    assert ("Email", "jane at example") in details.invalid
    assert ("Phone", "123") in details.invalid
    assert ("Website", "n/a please") in details.invalid


def test_placeholders_are_empty_not_invalid():
    details = extract(
        "Name: Jane Visitor\nEmail: jane@example.org\nCompany: -\nPhone: N/A\nMessage: hi",
        sender=("WordPress", "wordpress@acme.com"),
        subject="New submission",
    )
    assert "company" not in details.fields and "phone" not in details.fields
    assert details.invalid == []


def test_signature_fields_and_free_mail_domain():
    text = (
        "Hi,\n\ncan you call me?\n\n"
        "Best regards,\nJane Doe\nSales Manager\nAcme GmbH\nTel. 089 1234567\n"
    )
    corporate = extract(text, sender=("Jane Doe", "jane@acme-gmbh.de"), region="DE")
    assert corporate.fields["phone"] == Value(
        "+49891234567", "signature", "089 1234567", region="DE", region_source="mailbox"
    )
    assert corporate.fields["title"] == Value("Sales Manager", "signature")
    assert corporate.fields["company"] == Value("Acme GmbH", "signature")
    free = extract("Hi,\n\nthanks!\n\nJane", sender=("Jane Doe", "jane.doe@gmail.com"))
    assert "company" not in free.fields


def test_company_from_a_corporate_domain_only():
    corporate = extract("Thanks!", sender=("Jane Doe", "jane@mail.acme.co.uk"))
    assert corporate.fields["company"] == Value("acme.co.uk", "address")
    service = extract("Your invoice", sender=("Billing", "no-reply@acme.com"))
    assert "company" not in service.fields


def test_quoted_history_is_ignored():
    text = (
        "Sounds good.\n\nOn Mon, 3 Mar 2025 at 10:00, Sales <s@crm.example> wrote:\n"
        "> Call me: +1 415 555 2671\n> Sales Manager\n> CRM Example Inc.\n"
    )
    details = extract(text, sender=("Jane Doe", "jane@gmail.com"), region="US")
    assert set(details.fields) == {"name", "first_name", "last_name", "email"}


def test_signature_lines_never_make_a_form():
    text = (
        "Hello,\n\nplease send a quote.\n\n"
        "Regards\nJane Doe\nTel: +49 89 1234567\nE-Mail: jane@acme.de\nWeb: www.acme.de\n"
    )
    details = extract(text, sender=("Jane Doe", "jane@acme.de"), subject="Anfrage Angebot")
    assert not details.is_form
    assert details.extra == {}


def test_bounce_is_not_a_form():
    text = (
        "Delivery failed.\n\n"
        "From: Jane <jane@example.org>\nTo: x@example.com\nSubject: hi\nName: Jane\n"
    )
    details = extract(text, sender=("Mail Delivery System", "MAILER-DAEMON@mx.example"))
    assert not details.is_form and details.sender_is_service


def test_values_are_bounded_and_clean():
    blob = "QUJD" * 40
    text = (
        f"Name: {'A' * 300}\nEmail: jane@example.org\nCompany: {blob}\nMessage: <b>hi</b> {blob}\n"
    )
    details = extract(text, sender=("WordPress", "wordpress@acme.com"), subject="New submission")
    assert "name" not in details.fields and "company" not in details.fields
    assert details.fields["description"].value == "hi"
    many = "\n".join(f"Question {i}: answer {i}" for i in range(80))
    details = extract(
        f"Name: Jane Doe\nEmail: jane@example.org\n{many}",
        sender=("WordPress", "wordpress@acme.com"),
    )
    assert len(details.extra) == 50


def test_hostile_html_does_not_break_extraction():
    deep = "<div>" * 20_000 + "Name: Jane Doe" + "</div>" * 20_000
    details = extract(html=deep, sender=("Jane Doe", "jane@acme.com"))
    assert details.fields["email"].value == "jane@acme.com"


def test_unexpected_errors_fall_back_to_the_headers(monkeypatch, caplog):
    from clearcrm.inbound.extract import core

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(core, "_extract", broken)
    details = extract("Name: X", sender=("Jane Doe", "jane@acme.com"), region="XX")
    assert values(details) == {
        "name": "Jane Doe",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@acme.com",
    }
    assert "lead extraction failed" in caplog.text


def test_reply_to_at_the_sites_own_domain_is_not_the_visitor():
    details = extract(
        "Phone: +1 415 555 2671\nMessage: Please call me.\nBudget: 5k",
        sender=("Acme Site", "wordpress@acme.com"),
        reply_to=[("Acme Sales", "sales@acme.com")],
        subject="New submission",
    )
    assert "email" not in details.fields and "name" not in details.fields
    visitor = extract(
        "Phone: +1 415 555 2671\nMessage: Please call me.\nBudget: 5k",
        sender=("Acme Site", "wordpress@acme.com"),
        reply_to=[("", "info@visitor-gmbh.de")],
        subject="New submission",
    )
    assert visitor.fields["email"] == Value("info@visitor-gmbh.de", "header")
    assert "name" not in visitor.fields  # never a name from a role address
