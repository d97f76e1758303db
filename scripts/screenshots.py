"""Make the README's screenshots: docs/screenshots/*.png.

    make screenshots        (or: .venv/bin/python scripts/screenshots.py)

Fills a throwaway data dir with `clearcrm demo`, imports a short HTML
conversation from a private Dovecot (the test suite's, tests/support/dovecot.py)
with `clearcrm mailbox check`, serves the site with `clearcrm run` on a free
port and drives Debian's Chromium through Playwright. Needs what `make test`
installs (dovecot, chromium, the test extras).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.dovecot import Dovecot  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
PASSWORD = "Screenshot-passw0rd"
ENQUIRY = """\
<div style="font-family: Arial, sans-serif; color: #222">
<p>Hello,</p>
<p>We are opening two new studios in Lyon and Bordeaux this spring and are looking for a CRM
for our <b>12 designers</b>. Could you send us a quote for the annual plan, and tell us whether
you can import our existing client list (about 2,400 contacts)?</p>
<p>A call next week would be great.</p>
<p>Best regards,<br><b>Sophie Laurent</b><br>Managing Director, Atelier Laurent<br>
+33 4 78 00 12 34 · <a href="https://atelier-laurent.example">atelier-laurent.example</a></p>
<img src="https://atelier-laurent.example/logo.png" alt="Atelier Laurent" width="120">
</div>"""
ENQUIRY_TEXT = """\
Hello,

We are opening two new studios in Lyon and Bordeaux this spring and are looking for a CRM
for our 12 designers. Could you send us a quote for the annual plan, and tell us whether
you can import our existing client list (about 2,400 contacts)?

A call next week would be great.

Best regards,
Sophie Laurent
Managing Director, Atelier Laurent
+33 4 78 00 12 34 · https://atelier-laurent.example
"""
FOLLOW_UP_TEXT = """\
One more thing: we would also like the two studio managers to see all leads of their
studio. Is that possible with your roles?

Thanks,
Sophie
"""
FOLLOW_UP = """\
<p>One more thing: we would also like the two studio managers to see all leads of their
studio. Is that possible with your roles?</p><p>Thanks,<br>Sophie</p>"""


def message(subject: str, html: str, text: str, message_id: str, reply_to: str = "") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Sophie Laurent <sophie.laurent@atelier-laurent.example>"
    mail["To"] = "sales@clearcrm.example"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    if reply_to:
        mail["In-Reply-To"] = mail["References"] = reply_to
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail.as_bytes()


def clearcrm(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "clearcrm", *args], env=env, check=True,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def import_conversation(env: dict[str, str], dovecot: Dovecot) -> None:
    login, password = dovecot.new_user("sales")
    first = "<enquiry-1@atelier-laurent.example>"
    subject = "Quote for 12 seats and a contact import"
    dovecot.append(login, password, "INBOX", message(subject, ENQUIRY, ENQUIRY_TEXT, first))
    second = "<enquiry-2@atelier-laurent.example>"
    reply = message(f"Re: {subject}", FOLLOW_UP, FOLLOW_UP_TEXT, second, first)
    dovecot.append(login, password, "INBOX", reply)
    mail_env = {**env, "MAILBOX_PASSWORD": password, "SSL_CERT_FILE": str(dovecot.cert_path)}
    clearcrm(mail_env, "mailbox", "add", "--name", "Sales", "--host", "localhost",
             "--port", str(dovecot.ssl_port), "--login", login, "--password-env",
             "MAILBOX_PASSWORD", "--responsible", "ana")  # fmt: skip
    clearcrm(mail_env, "mailbox", "check", "--all")


def serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "clearcrm", "run", "--port", str(port)],
                              env={**env, "CLEARCRM_ADMIN_PASSWORD": PASSWORD},
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=1)
            return server, base
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("clearcrm run did not answer")


def shoot(base: str, lead_id: int, email_id: int) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 960})
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.screenshot(path=OUT / "dashboard.png", full_page=True)
        page.goto(f"{base}/leads/kanban/")
        page.screenshot(path=OUT / "kanban.png")
        page.goto(f"{base}/leads/{lead_id}/?html={email_id}#conversation")
        page.frame_locator("iframe.email-frame").locator("body").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=OUT / "lead.png")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{base}/leads/")
        phone.screenshot(path=OUT / "leads-phone.png")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="clearcrm-screenshots-") as data_dir:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(CLEARCRM_DATA_DIR=data_dir, PYTHONUNBUFFERED="1")
        clearcrm(env, "migrate", "--verbosity", "0")
        clearcrm(env, "demo")
        with Dovecot() as dovecot:
            import_conversation(env, dovecot)
        ids = clearcrm(env, "shell", "-c", (
            "from clearcrm.leads.models import Lead; "
            "lead = Lead.objects.get(email='sophie.laurent@atelier-laurent.example'); "
            "print(lead.pk, lead.emails.order_by('pk').first().pk)"))  # fmt: skip
        lead_id, email_id = map(int, ids.split()[-2:])
        server, base = serve(env)
        try:
            clearcrm(env, "shell", "-c", (
                "from django.contrib.auth.models import User; User.objects.filter("
                "username='admin').update(first_name='Alex', last_name='Morgan')"))  # fmt: skip
            shoot(base, lead_id, email_id)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"screenshots written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
