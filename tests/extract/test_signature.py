"""Signature layouts: what is taken as the company and the country, and what is not."""

from __future__ import annotations

import pytest

from clearcrm.inbound.extract.signature import extract_signature


def signature(*lines: str, sender=("Jane Doe", "jane.doe@gmail.com")):
    text = "Hello,\n\nplease send me an offer.\n\nBest regards,\n" + "\n".join(lines) + "\n"
    return extract_signature(text, sender_name=sender[0], sender_email=sender[1])


@pytest.mark.parametrize(
    ("lines", "company"),
    [
        (("Jane Doe", "Doe Garden Design", "+44 7812 345678"), "Doe Garden Design"),
        (("Jane Doe", "Doe & Partners", "Hauptstr. 5", "80331 München"), "Doe & Partners"),
        (("Jane Doe | Head of Sales | Doe Logistics",), "Doe Logistics"),
        (("Jane Doe", "+44 7812 345678", "Doe Analytics Ltd"), "Doe Analytics Ltd"),
        (("Jane Doe", "Tel. 0711 123456", "Doe Bau GmbH & Co. KG"), "Doe Bau GmbH & Co. KG"),
        (("Jane Doe", "Tel. 0711 123456", "Doe Trading S.à r.l."), "Doe Trading S.à r.l."),
        (("Jane Doe", "Architektin", "+49 711 123456"), ""),  # a trade, one word
        (("Jane Doe", "Looking forward to it.", "+44 7812 345678"), ""),  # a sentence
        (("Jane Doe", "see you on monday", "+44 7812 345678"), ""),
        (("Jane Doe", "Munich, Germany", "+49 89 1234567"), ""),  # where, not who
        (("Jane Doe", "Doe Garden Design"), ""),  # no contact line below it
        (("Jane Doe", "Same as before", "+44 7812 345678"), ""),  # "as" is no legal form
    ],
)
def test_company_lines(lines, company):
    assert signature(*lines).company == company


@pytest.mark.parametrize(
    ("lines", "country"),
    [
        (("Jane Doe", "Lyon, France"), "France"),
        (("Jane Doe", "1012 AB Amsterdam - Nederland"), "Nederland"),
        (("Jane Doe", "Portland, OR 97201, USA"), "USA"),
        (("Jane Doe", "Atlanta, Georgia"), ""),  # the US state
        (("Jane Doe", "Sacramento, CA"), ""),  # two letters: a state as often as a country
        (("Jordan",), ""),  # the writer's name, not the country
    ],
)
def test_country_lines(lines, country):
    assert signature(*lines).country == country


def test_the_signature_country_finds_a_national_number():
    found = signature("Jane Doe", "Tel. 0711 2345678", "Stuttgart, Deutschland")
    assert (found.phone, found.country) == ("0711 2345678", "Deutschland")


def test_a_labelled_number_no_region_validates_is_kept_as_written():
    assert signature("Jane Doe", "Tel. 0199 1234567").phone == "0199 1234567"
    unlabelled = signature("Jane Doe", "06 12 34 56 78")
    assert unlabelled.phone == "06 12 34 56 78"
    assert signature("Jane Doe", "Tel. 12.03.2025").invalid == [("phone", "12.03.2025")]
