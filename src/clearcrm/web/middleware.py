"""Security headers on every response.

Django's SecurityMiddleware and XFrameOptionsMiddleware already send
nosniff, Referrer-Policy, Cross-Origin-Opener-Policy and X-Frame-Options.
This adds a Content-Security-Policy that allows no inline and no remote
script, style or frame anywhere: the pages load only the site's own static
files. A view that needs another policy (the sandboxed email HTML view)
sets its own header, which is then left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# CSP Level 3 (https://www.w3.org/TR/CSP3/). `data:` images are the SVG icons
# and inline images of the site's own CSS; `frame-src 'self'` lets a lead's
# page show its emails' HTML from the site's own sandboxed URL.
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
