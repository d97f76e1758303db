"""Phone numbers: read for the region the message points to, or kept as written."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearcrm.inbound.extract import Value, extract_lead_details
from clearcrm.inbound.extract.phones import (
    RegionHint,
    language_hint,
    main_region_when_shared,
    read_phone,
    region_hint,
    region_of_domain,
)


def extract(text, *, sender=("Site", "wordpress@site.example"), subject="", **regions):
    return extract_lead_details(
        sender_name=sender[0],
        sender_email=sender[1],
        reply_to=[],
        subject=subject,
        text=text,
        html="",
        **regions,
    )


def form(*lines: str) -> str:
    return "\n".join(["Name: Jane Visitor", "Email: jane.visitor@example.org", *lines])


@pytest.mark.parametrize(
    ("written", "hints", "expected"),
    [
        ("0171 2345678", region_hint("DE", "mailbox"), ("+491712345678", "DE", "mailbox")),
        ("+49 (0)711 1234567", (), ("+497111234567", "DE", "number")),
        ("0049 211 123456", (), ("+49211123456", "DE", "number")),
        ("tel:+33142685300", (), ("+33142685300", "FR", "number")),
        ("(415) 555-2671", region_hint("US", "country"), ("+14155552671", "US", "country")),
        ("06 12 34 56 78", region_hint("FR", "domain"), ("+33612345678", "FR", "domain")),
        (
            "0161 496 0123 (evenings)",
            region_hint("GB", "domain"),
            ("+441614960123", "GB", "domain"),
        ),
        (
            "0711 / 123456",
            region_hint("DE", "installation"),
            ("+49711123456", "DE", "installation"),
        ),
    ],
)
def test_a_number_valid_in_its_region_is_stored_e164_with_display(written, hints, expected):
    reading = read_phone(written, hints)
    assert (reading.value, reading.region, reading.region_source) == expected
    assert reading.display == written and reading.checked


@pytest.mark.parametrize(
    ("written", "hints"),
    [
        ("0171 2345678", ()),  # national, and nothing says from where
        ("0199 1234567", region_hint("DE", "domain")),  # an unassigned German range
        ("07700 900123", region_hint("GB", "domain")),  # Ofcom's range for drama
        ("+33 6 39 98 45 67", ()),  # international, in a range set aside for fiction
        ("(555) 123-4567", region_hint("US", "country")),
        ("0171 2345678 / 030 1234567", ()),  # two numbers: kept whole
    ],
)
def test_a_phone_that_cannot_be_checked_is_kept_as_written(written, hints):
    reading = read_phone(written, hints)
    assert reading is not None
    assert (reading.value, reading.display, reading.checked) == (written, written, False)
    assert reading.region == reading.region_source == ""


@pytest.mark.parametrize(
    "written",
    [
        "12345",
        "call me maybe",
        "nur per E-Mail bitte",
        "12.03.2025",
        "2025-03-12",
        "03/12/25",
        "12. 03. 2025",
        "30.12.2024",  # a Berlin number to phonenumbers
        "€ 1.234,56",
        "1.250.000",
        "1299.00",
        "USD 4,500",
        "1000-001",
        "01310-100",
        "94103-1234",
        "80331",
        "SW1A 1AA",
        "#100234",
        "Order 20250042",
        "Nr. 2025-0042",
        "2025-000123",  # a valid German number to phonenumbers
        "DE89 3704 0044 0532 0130 00",
        "NO93 8601 1117 947",
        "3704 0044 0532 0130 00",
    ],
)
def test_values_that_are_clearly_no_phone_number_are_refused(written):
    assert read_phone(written, region_hint("DE", "mailbox")) is None


def test_several_numbers_in_one_field_read_the_first_and_keep_all_as_display():
    reading = read_phone("020 7946 0018 / 07911 123456", region_hint("GB", "domain"))
    assert reading.value == "+442079460018"
    assert reading.display == "020 7946 0018 / 07911 123456"


def test_regions_are_tried_in_order_the_first_valid_one_wins():
    hints = (*region_hint("FR", "mailbox"), *region_hint("IT", "domain"))
    assert read_phone("347 123 4567", hints)[2:] == ("IT", "domain")  # invalid in France
    assert read_phone("01 42 68 53 00", hints)[2:] == ("FR", "mailbox")


def test_guesses_are_used_only_when_the_message_gives_no_evidence():
    guesses = (*language_hint(frozenset({"de"})), *region_hint("AT", "installation"))
    assert read_phone("0711 2345678", guesses)[2:] == ("DE", "language")
    # Invalid in Germany, where the domain points; valid in Austria, but only a guess.
    evidence = (*region_hint("DE", "domain"), *guesses)
    assert not read_phone("0199 1234567", evidence).checked
    assert read_phone("0199 1234567", region_hint("AT", "installation"))[2:] == (
        "AT",
        "installation",
    )


def test_a_language_hint_needs_the_number_to_fit_one_of_its_countries_only():
    english = language_hint(frozenset({"en"}))
    assert read_phone("(415) 555-2671", english).value == "+14155552671"
    assert not read_phone("020 7946 0958", english).checked  # London and New Zealand
    assert language_hint(frozenset()) == ()
    tied = language_hint(frozenset({"it", "fr"}))
    assert tied == (RegionHint(("FR", "IT"), "language"),)


@pytest.mark.parametrize(
    ("host", "region"),
    [
        ("acme.de", "DE"),
        ("mail.acme.co.uk", "GB"),
        ("shop.acme.com.br", "BR"),
        ("acme.com", ""),
        ("acme.io", ""),  # sold as a generic name
        ("acme.co", ""),
        ("acme.eu", ""),
        ("", ""),
    ],
)
def test_region_of_domain(host, region):
    assert region_of_domain(host) == region


def test_main_region_when_shared():
    assert main_region_when_shared("GG", ["GB"]) == "GB"
    assert main_region_when_shared("GG", []) == "GG"
    assert main_region_when_shared("CA", ["DE"]) == "CA"


# ------------------------------------------------------------------ in the extractor


def test_form_number_from_the_visitors_domain_and_the_country_with_its_source():
    details = extract("Name: Jan\nEmail: jan@bakker.nl\nTelefoon: 06-23456789\nBericht: hoi")
    phone, country = details.fields["phone"], details.fields["country"]
    assert (phone.value, phone.display, phone.region_source) == (
        "+31623456789",
        "06-23456789",
        "domain",
    )
    assert (country.value, country.source) == ("Netherlands", "domain")


def test_mailbox_region_comes_before_the_written_country():
    berlin = extract(
        form("Phone: 030 1234567", "Country: Austria", "Message: hi"), default_region="DE"
    )
    assert berlin.fields["phone"].value == "+49301234567"
    assert berlin.fields["phone"].region_source == "mailbox"
    assert berlin.fields["country"] == Value("Austria", "form")
    # Invalid in Germany: the country the visitor wrote is next.
    graz = extract(
        form("Phone: 0316 123456", "Country: Austria", "Message: hi"), default_region="DE"
    )
    assert graz.fields["phone"].value == "+43316123456"
    assert graz.fields["phone"].region_source == "country"


def test_installation_region_is_the_last_guess():
    text = "Name: Jane Visitor\nEmail: jane@gmail.com\nPhone: 0711 2345678\nMessage: hi"
    assert not extract(text).fields["phone"].checked  # English labels: no German number
    details = extract(text, installation_region="de")
    assert details.fields["phone"].value == "+497112345678"
    assert details.fields["phone"].region_source == "installation"
    assert "country" not in details.fields  # a guess says nothing about the visitor


def test_an_unchecked_phone_is_no_invalid_value():
    details = extract(form("Phone: 0171 2345678", "Message: hi"), subject="New submission")
    phone = details.fields["phone"]
    assert (phone.value, phone.checked, details.invalid) == ("0171 2345678", False, [])


def test_country_from_the_phone_prefix_before_the_domain():
    details = extract(
        "Hi,\n\nplease call me.\n\nBest regards,\nJane Doe\n+41 44 668 18 00\n",
        sender=("Jane Doe", "jane@doe-consulting.de"),
    )
    assert details.fields["country"].value == "Switzerland"
    assert details.fields["country"].source == "phone"


# ------------------------------------------------------------------ properties

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
NOT_PHONES = st.one_of(
    DATES.map(lambda d: d.strftime("%d.%m.%Y")),
    DATES.map(lambda d: d.strftime("%Y-%m-%d")),
    DATES.map(lambda d: d.strftime("%m/%d/%Y")),
    DATES.map(lambda d: d.strftime("%d/%m/%y")),
    DATES.map(lambda d: f"{d.day}. {d.month:02d}. {d.year}"),
    st.integers(100, 9_999_999).map(lambda n: f"€ {n:,}".replace(",", ".") + ",00"),
    st.integers(100, 9_999_999).map(lambda n: f"${n:,}.{n % 100:02d}"),
    st.integers(1_000, 9_999_999).map(lambda n: f"{n:,}".replace(",", ".") + " EUR"),
    st.integers(100, 99_999).map(lambda n: f"{n}.{n % 100:02d}"),
    st.integers(10_000, 99_999_999).map(lambda n: f"#{n}"),
    st.integers(10_000, 99_999_999).map(lambda n: f"Order {n}"),
    st.integers(10_000, 99_999_999).map(lambda n: f"Bestellung Nr. {n}"),
    st.tuples(st.integers(2000, 2030), st.integers(1, 999_999)).map(lambda t: f"{t[0]}-{t[1]:06d}"),
    st.integers(1, 99_999).map(lambda n: f"PO-{n:05d}"),
    st.integers(1000, 9999).map(lambda n: f"{n}-{n % 1000:03d}"),  # Portugal
    st.integers(1, 99_999).map(lambda n: f"{n:05d}-{n % 1000:03d}"),  # Brazil
    st.integers(1, 99_999).map(lambda n: f"{n:05d}-{n % 10000:04d}"),  # US ZIP+4
    st.integers(1000, 99_999).map(str),  # Germany, France, Spain, Italy
    st.integers(0, 10**18 - 1).map(lambda n: f"DE{n % 97:02d} {n:018d}"[:27]),
    st.integers(0, 10**14 - 1).map(lambda n: f"NL{n % 97:02d}ABNA{n:010d}"[:18]),
    st.integers(0, 10**16 - 1).map(
        lambda n: f"{n:016d}"[:4] + " " + f"{n:016d}"[4:8] + " " + f"{n:016d}"[8:]
    ),
)
PHONE_LABELS = st.sampled_from(
    ["Phone", "Telefon", "Téléphone", "Teléfono", "Telefono", "Telefoon", "Telefone", "Mobile"]
)
LAYOUTS = st.sampled_from(["form", "signature"])
REGIONS = st.sampled_from([None, "DE", "US", "FR", "GB", "IT", "ES", "NL", "PT", "BR"])


def _text(layout: str, label: str, value: str) -> tuple[str, tuple[str, str]]:
    if layout == "form":
        text = f"Name: Jane Visitor\nEmail: jane.visitor@gmail.com\n{label}: {value}\nMessage: hi"
        return text, ("Site", "wordpress@site.example")
    text = f"Hello,\n\nsee below.\n\nBest regards,\nJane Visitor\n{label}: {value}\n"
    return text, ("Jane Visitor", "jane.visitor@gmail.com")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=NOT_PHONES, label=PHONE_LABELS, layout=LAYOUTS, region=REGIONS)
def test_no_phone_is_invented_from_dates_prices_order_numbers_postcodes_or_ibans(
    value, label, layout, region
):
    text, sender = _text(layout, label, value)
    details = extract(text, sender=sender, subject="New submission", default_region=region)
    assert "phone" not in details.fields, (value, details.fields.get("phone"))


PHONE_LIKE = st.text(alphabet="0123456789 +-()./", min_size=0, max_size=30)
ANYTHING = st.text(max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.one_of(PHONE_LIKE, ANYTHING, NOT_PHONES),
    label=st.one_of(PHONE_LABELS, st.text(max_size=20)),
    layout=LAYOUTS,
    region=REGIONS,
    installation=REGIONS,
)
def test_extraction_never_raises_and_phones_stay_bounded(
    value, label, layout, region, installation
):
    text, sender = _text(layout, label, value)
    logger = logging.getLogger("clearcrm.inbound.extract")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        details = extract(
            text, sender=sender, default_region=region, installation_region=installation
        )
    finally:
        logger.removeHandler(handler)
    assert records == []  # extract_lead_details() logs what it swallows
    phone = details.fields.get("phone")
    if phone is not None:
        assert len(phone.value) <= 40 and len(phone.display) <= 40
        assert phone.checked == bool(phone.region_source)
        if phone.checked:
            assert re.fullmatch(r"\+[1-9]\d{5,14}", phone.value)
        else:
            assert phone.value == phone.display


def test_a_phone_offered_before_the_visitors_address_is_read_again_with_it():
    details = extract_lead_details(
        sender_name="Site",
        sender_email="wordpress@site.example",
        reply_to=[("Jan Vogel", "jan@vogel-bau.de")],  # known only after the form
        subject="New submission",
        text="Name: Jan Vogel\nPhone: 0711 2345678\nMessage: Bitte um Rückruf.",
        html="",
    )
    phone = details.fields["phone"]
    assert (phone.value, phone.region_source) == ("+497112345678", "domain")
