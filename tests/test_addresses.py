"""The one form addresses are stored and compared in (clearcrm.addresses)."""

import pytest

from clearcrm.addresses import in_domain, normalize_address, usable_address


def test_normalize_address():
    assert normalize_address("  Jane.Doe@Example.COM ") == "jane.doe@example.com"


@pytest.mark.parametrize(
    ("address", "usable"),
    [
        ("Jane@Example.org", "jane@example.org"),
        ("jane@localhost", ""),
        ("@example.org", ""),
        ("jane doe@example.org", ""),
        ("<jane@example.org>", ""),
        ("a" * 65 + "@example.org", ""),
        ("a@" + "b" * 250 + ".org", ""),
    ],
)
def test_usable_address(address, usable):
    assert usable_address(address) == usable


def test_in_domain_covers_subdomains_only():
    assert in_domain("x@Sales.Acme.de", "ACME.de")
    assert in_domain("x@acme.de", "@acme.de")
    assert not in_domain("x@notacme.de", "acme.de")
    assert not in_domain("x@acme.de", "")
