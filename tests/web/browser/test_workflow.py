"""A working day in a real browser: log in, import mail from the test Dovecot, find the
new leads in the table and the kanban, drag one to "Contacted" (and move another from
the keyboard), open it, read the conversation, convert it to a customer. Screenshots
of the main pages at desktop and phone width are kept as test artefacts."""

from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from clearcrm.inbound.importer import import_mailbox
from clearcrm.leads.models import Lead, LeadStatus
from tests.web.browser.conftest import DESKTOP, log_in, screenshot

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("browser"),
]


def enquiry(name: str, address: str, subject: str, text: str, html: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{address}>"
    message["To"] = "sales@example.com"
    message["Subject"] = subject
    message["Message-ID"] = f"<{address.split('@')[0]}-1@example.org>"
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0000"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


@pytest.fixture
def imported(put, make_mailbox):
    put(enquiry("Erika Example", "erika@example.org", "Quote for 40 seats",
                "Hello,\n\nWe need a quote for 40 seats.\n\nErika Example\nExample GmbH",
                "<p>Hello,</p><p>We need a quote for <b>40 seats</b>.</p>"))  # fmt: skip
    put(enquiry("Frank Form", "frank@example.org", "Demo request", "Can we get a demo?"))
    summary = import_mailbox(make_mailbox())
    assert summary.outcomes["lead_created"] == 2, summary.as_dict()
    return {lead.email: lead for lead in Lead.objects.all()}


def test_import_work_the_lead_and_convert_it(page, phone, live_server, staff_admin, imported,
                                             watch):  # fmt: skip
    base = live_server.url
    erika, frank = imported["erika@example.org"], imported["frank@example.org"]
    contacted = LeadStatus.objects.get(name="Contacted")
    qualified = LeadStatus.objects.get(name="Qualified")
    page.set_viewport_size(DESKTOP)
    log_in(page, base)
    expect(page.get_by_role("heading", name="Hello, Adele Admin")).to_be_visible()
    screenshot(page, "dashboard-desktop")

    page.goto(f"{base}/leads/")
    table = page.locator("table.table")
    expect(table.get_by_role("link", name="Erika Example")).to_be_visible()
    expect(table.get_by_role("link", name="Frank Form")).to_be_visible()
    screenshot(page, "leads-desktop")

    # Drag Erika's card to "Contacted"; the move is saved (seen after a reload).
    page.goto(f"{base}/leads/kanban/")
    card = page.locator(f"#card-{erika.pk}")
    expect(page.locator(f"#cards-{erika.status_id} #card-{erika.pk}")).to_be_visible()
    card.drag_to(page.locator(f'section.column[data-status="{contacted.pk}"]'))
    expect(page.locator(f"#cards-{contacted.pk} #card-{erika.pk}")).to_be_visible()
    expect(page.locator(f"#count-{contacted.pk}")).to_have_text("1")
    page.reload()
    expect(page.locator(f"#cards-{contacted.pk} #card-{erika.pk}")).to_be_visible()
    erika.refresh_from_db()
    assert erika.status == contacted

    # The same from the keyboard: Frank's "Move to" menu, then "Qualified".
    summary = page.locator(f"#card-{frank.pk} details.move summary")
    summary.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.locator(f"#card-{frank.pk}").get_by_role("button", name="Qualified").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#cards-{qualified.pk} #card-{frank.pk}")).to_be_visible()
    frank.refresh_from_db()
    assert frank.status == qualified
    screenshot(page, "kanban-desktop")

    # Open Erika's lead and read the conversation, as text and as HTML.
    page.locator(f"#card-{erika.pk}").get_by_role("link", name="Erika Example").click()
    expect(page.get_by_role("heading", name="Quote for 40 seats")).to_be_visible()
    expect(page.locator(".email-text")).to_contain_text("We need a quote for 40 seats.")
    page.get_by_role("link", name="Show HTML").click()
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.locator("b")).to_have_text("40 seats")
    screenshot(page, "lead-desktop")

    # Convert it to a customer.
    page.get_by_role("button", name="Convert to customer").click()
    expect(page.locator(".converted-banner")).to_contain_text("Converted to the customer")
    erika.refresh_from_db()
    assert erika.customer is not None
    assert erika.customer.contacts.get().email == "erika@example.org"
    assert not watch.dialogs and not watch.errors, (watch.dialogs, watch.errors)

    # The same pages at a phone's width: nothing wider than the screen but the kanban board.
    log_in(phone, base)
    for name, path in [("dashboard", "/"), ("leads", "/leads/"), ("kanban", "/leads/kanban/"),
                       ("lead", f"/leads/{erika.pk}/")]:  # fmt: skip
        phone.goto(base + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
        screenshot(phone, f"{name}-phone")
