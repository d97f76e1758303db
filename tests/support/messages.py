"""Build realistic RFC 5322 messages for tests and benchmarks."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

FIRST = ["Emma", "Liam", "Olivia", "Noah", "Sofia", "Lucas", "Mia", "Jürgen", "Chloé", "Mateo"]
LAST = ["Schneider", "O'Connor", "Rossi", "Dubois", "García", "Novak", "Tanaka", "van Dijk"]
_serial = itertools.count(1)
TOPICS = ["Quote request", "Pricing question", "Demo request", "Partnership", "Support plan"]
PARAGRAPH = (
    "We are a team of {n} people and are looking for a CRM that takes our inbound email "
    "seriously. Could you send me pricing for the annual plan, and tell me whether you "
    "support importing our existing contacts from a spreadsheet? "
)


def message(
    *,
    sender: str | None = None,
    to: str = "sales@clearcrm.test",
    subject: str = "Quote request",
    body: str = "Hello, please send me a quote.\n\nJane",
    html: str | None = None,
    message_id: str | None = None,
    date: datetime | None = None,
    in_reply_to: str | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    """One message as bytes; message_id='' leaves the Message-ID header out.

    Without a sender each message comes from a new person, so it makes a new lead.
    """
    msg = EmailMessage()
    msg["From"] = sender or f"Jane Doe <jane.{next(_serial)}@example.org>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    if message_id != "":
        msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    if reply_to:
        msg["Reply-To"] = reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def typical(i: int, rng: random.Random, *, attachment_every: int = 10) -> bytes:
    """An enquiry of a few kilobytes, as leads send them; some carry a small attachment."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}.{i}".lower().encode("ascii", "ignore").decode()
    address = f"{local}@example{i % 97}.org".replace("'", "").replace(" ", "")
    body = "Hello,\n\n" + PARAGRAPH.format(n=rng.randint(3, 300)) * rng.randint(4, 12)
    body += f"\n\nBest regards,\n{first} {last}\n+49 30 {rng.randint(1000000, 9999999)}\n"
    html = "<p>" + body.replace("\n\n", "</p><p>") + "</p>"
    attachments = []
    if attachment_every and i % attachment_every == 0:
        attachments.append(("brief.pdf", "application/pdf", rng.randbytes(12_000)))
    return message(
        sender=formataddr((f"{first} {last}", address)),
        subject=f"{rng.choice(TOPICS)} #{i}",
        body=body,
        html=html,
        attachments=attachments,
    )
