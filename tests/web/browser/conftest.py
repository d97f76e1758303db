"""Browser tests: Debian's Chromium driven by pytest-playwright against a live server.

Never a browser download: Playwright launches /usr/bin/chromium (which `make test`
installs). Outside CI a missing Chromium skips these tests with the reason printed;
with CI=true it fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.skipping import unavailable

CHROMIUM = Path("/usr/bin/chromium")
# As root Chromium needs --no-sandbox; the others keep it from calling home on a closed network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Br0wser-test-passw0rd"

# Playwright's sync API runs an event loop in the test's thread; Django's ORM calls
# made by the test itself (fixtures, checks) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (`make test` installs Debian's)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": FLAGS,
            "headless": True}  # fmt: skip


@dataclass
class Watch:
    """What a page did that it must not: dialogs, console errors, uncaught errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


@pytest.fixture
def watch(page) -> Watch:
    seen = Watch()
    seen.attach(page)
    return seen


@pytest.fixture(autouse=True)
def default_statuses(transactional_db) -> None:
    """The statuses and sources the data migration makes, made again here.

    In a test that uses Playwright's page, serialized_rollback does not put
    the migrations' rows back (seen: after an earlier transactional test's
    flush the statuses are missing), so they are seeded again."""
    from importlib import import_module

    from django.apps import apps

    import_module("clearcrm.leads.migrations.0002_default_statuses_and_sources").seed(apps, None)


@pytest.fixture
def staff_admin(transactional_db, django_user_model):
    from clearcrm.staff.models import ROLE_ADMIN, role

    user = django_user_model.objects.create_user("adele", "adele@example.com", PASSWORD,
                                                 first_name="Adele", last_name="Admin")  # fmt: skip
    user.groups.add(role(ROLE_ADMIN))
    return user


def log_in(page, base: str, username: str = "adele") -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (test-artifacts/, not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def phone(browser, live_server) -> Iterator:
    """A second, phone-sized browser window."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    yield context.new_page()
    context.close()
