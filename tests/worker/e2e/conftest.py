"""A data dir with a mailbox on the test Dovecot, set up through the `clearcrm` command."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import clearcrm


@dataclass
class Site:
    """A ClearCRM data dir whose processes trust the test Dovecot."""

    data_dir: Path
    dovecot: object
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, **env: str):
        return clearcrm(self.data_dir, *args, **{**self.env, **env})

    def add_mailbox(self, account: tuple[str, str], *options: str, name: str = "Sales") -> int:
        login, password = account
        result = self.run(
            "mailbox", "add", "--name", name, "--host", "localhost",
            "--port", str(self.dovecot.ssl_port), "--encryption", "ssl",
            "--login", login, "--password-env", "MAILBOX_PASSWORD", *options,
            MAILBOX_PASSWORD=password,
        )  # fmt: skip
        return int(result.stdout.strip())

    def lead_emails(self) -> list[str]:
        return sorted(email for (email,) in self.query("SELECT email FROM leads_lead"))

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the site's SQLite database directly (fast enough to poll)."""
        db = sqlite3.connect(self.data_dir / "clearcrm.sqlite3", timeout=30)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()


@pytest.fixture
def site(tmp_path, dovecot) -> Site:
    site = Site(tmp_path / "data", dovecot, {"SSL_CERT_FILE": str(dovecot.cert_path)})
    site.data_dir.mkdir()
    site.run("migrate", "-v0")
    return site
