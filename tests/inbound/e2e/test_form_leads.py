"""Web-form notifications through a real mailbox: the visitor is the lead, not the form."""

import json
from pathlib import Path

import pytest

from clearcrm.inbound.importer import import_mailbox
from clearcrm.inbound.models import LedgerEntry, Outcome
from clearcrm.leads.models import Lead

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FORMS = Path(__file__).resolve().parents[2] / "extract" / "forms"


def expected(stem: str) -> dict:
    return json.loads((FORMS / f"{stem}.json").read_text())["fields"]


@pytest.mark.parametrize(
    ("stem", "service", "region"),
    [
        ("02_cf7_de_quoted_printable", "wordpress@holzwerk-bauer.de", "DE"),
        ("06_cf7_nl_bedrijf", "wordpress@fietsenmakerij-jansen.nl", "NL"),
        ("17_typeform_pt_plain", "no-reply@typeform.com", "PT"),
    ],
)
def test_form_notification_becomes_the_visitors_lead(make_mailbox, put, stem, service, region):
    put((FORMS / f"{stem}.eml").read_bytes())
    import_mailbox(make_mailbox(phone_region=region))  # national numbers are read for it
    lead = Lead.objects.get()
    fields = expected(stem)
    assert (lead.name, lead.email, lead.phone, lead.company) == (
        fields["name"], fields["email"], fields["phone"], fields["company"],
    )  # fmt: skip
    contact_fields = [lead.name, lead.email, lead.phone, lead.company, lead.website]
    assert not any(service in value or "typeform" in value.lower() for value in contact_fields)
    log = " ".join(lead.activities.values_list("text", flat=True))
    assert "filled automatically:" in log and "phone (form)" in log


def test_two_visitors_of_one_form_are_two_leads_and_a_repeat_visitor_joins_hers(make_mailbox, put):
    mailbox = make_mailbox()
    put((FORMS / "16_typeform_en_questions.eml").read_bytes())
    put((FORMS / "17_typeform_pt_plain.eml").read_bytes())
    import_mailbox(mailbox)
    assert Lead.objects.count() == 2, "the shared no-reply@typeform.com must not merge them"
    # The same visitor fills in the form again: it joins her lead.
    again = (FORMS / "17_typeform_pt_plain.eml").read_bytes()
    again = again.replace(b"Message-ID: <", b"Message-ID: <again-", 1)
    put(again)
    summary = import_mailbox(mailbox)
    assert summary.outcomes[Outcome.LEAD_APPENDED] == 1
    ines = Lead.objects.get(email="ines.martins@quintadosol.pt")
    assert ines.emails.count() == 2
    assert "ines.martins@quintadosol.pt" in LedgerEntry.objects.filter(lead=ines).first().reason


def test_a_phone_is_never_dropped_and_the_country_is_filled_without_set_up(make_mailbox, put):
    """No mailbox region: the visitor's domain says where the number is from."""
    put((FORMS / "51_cf7_de_national_number_de_domain.eml").read_bytes())
    put((FORMS / "72_cf7_de_unassigned_range_kept.eml").read_bytes())
    import_mailbox(make_mailbox())
    read = Lead.objects.get(email="m.vogt@vogt-immobilien.de")
    assert (read.phone, read.phone_display, read.country) == (
        "+497112345678", "0711 2345678", "Germany",
    )  # fmt: skip
    log = " ".join(read.activities.values_list("text", flat=True))
    assert "phone (form; read as a number in DE, from the email or website domain)" in log
    assert "country (email or website domain)" in log
    kept = Lead.objects.get(email="j.richter@richter-elektro.de")
    assert (kept.phone, kept.phone_display) == ("0199 1234567", "0199 1234567")
    log = " ".join(kept.activities.values_list("text", flat=True))
    assert "phone (form; could not be checked, kept as written)" in log
    assert "could not be used" not in kept.description


GUESSED = b"""From: Site <wordpress@site.example>
To: info@site.example
Subject: Site "Enquiry"
Message-ID: <guessed@site.example>
Content-Type: text/plain; charset=UTF-8

Your Name: Jane Visitor
Your Email: jane.visitor@gmail.com
Phone: 0711 2345678
Your Message: Please call me.
"""


def test_the_installation_region_is_the_last_guess(make_mailbox, put, settings):
    """English labels and a gmail address say nothing of a German number; the setting does."""
    settings.PHONE_REGION = "DE"
    put(GUESSED)
    import_mailbox(make_mailbox())
    lead = Lead.objects.get()
    assert (lead.phone, lead.phone_display, lead.country) == ("+497112345678", "0711 2345678", "")
    log = " ".join(lead.activities.values_list("text", flat=True))
    assert "read as a number in DE, from CLEARCRM_PHONE_REGION" in log
