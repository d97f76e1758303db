"""Forwarded headers are believed from the configured proxies only."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from clearcrm.proxy import TrustedProxyMiddleware, client_address, trusted_networks

PROXIES = trusted_networks(["10.0.0.1", "fd00::/8"])


def seen_by_the_app(settings, proxies: list[str], **meta: str) -> HttpRequest:
    settings.TRUSTED_PROXIES = proxies
    seen = []

    def app(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    TrustedProxyMiddleware(app)(RequestFactory().get("/", **meta))
    return seen[0]


def test_client_address_is_the_last_hop_before_our_proxies():
    assert client_address("10.0.0.1", "1.2.3.4", PROXIES) == "1.2.3.4"
    # What the client wrote itself (left) is not believed, only what our proxies added.
    assert client_address("10.0.0.1", "6.6.6.6, 1.2.3.4", PROXIES) == "1.2.3.4"
    assert client_address("10.0.0.1", "1.2.3.4, fd00::7", PROXIES) == "1.2.3.4"
    assert client_address("10.0.0.1", "", PROXIES) == "10.0.0.1"


def test_forwarded_headers_from_strangers_are_dropped(settings):
    request = seen_by_the_app(
        settings, ["10.0.0.1"], REMOTE_ADDR="5.5.5.5",
        HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_FORWARDED_PROTO="https",
    )  # fmt: skip
    assert request.META["REMOTE_ADDR"] == "5.5.5.5"
    assert "HTTP_X_FORWARDED_FOR" not in request.META
    assert "HTTP_X_FORWARDED_PROTO" not in request.META


def test_without_trusted_proxies_nothing_forwarded_is_believed(settings):
    request = seen_by_the_app(settings, [], REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert request.META["REMOTE_ADDR"] == "10.0.0.1"


def test_a_trusted_proxy_gives_the_client_address_and_scheme(settings):
    request = seen_by_the_app(
        settings, ["10.0.0.0/24"], REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_FORWARDED_PROTO="https",
    )  # fmt: skip
    assert request.META["REMOTE_ADDR"] == "1.2.3.4"
    assert request.META["HTTP_X_FORWARDED_PROTO"] == "https"


@pytest.mark.parametrize("value", ["not-an-ip", "300.1.1.1"])
def test_junk_addresses_are_never_trusted(value):
    assert client_address("10.0.0.1", value, PROXIES) == value
