"""Time parse + extract for each hand-made hostile message, and a full import's peak memory.

    .venv/bin/python bench/hostile.py [--import]

Prints, per message of tests/support/hostile.py, its size and the CPU time of
parsing it and of extracting lead details from it (as the importer does), then
the slowest of each and the total. With --import it also puts all of them in a
throwaway Dovecot and prints the peak RSS of one `clearcrm mailbox check`.
(Target of the engine hardening: no message over 100 ms of parse + extract.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from clearcrm.inbound.extract import extract_lead_details  # noqa: E402
from clearcrm.inbound.parse import parse_message  # noqa: E402
from tests.support.hostile import hostile_messages  # noqa: E402


def parse_and_extract(raw: bytes) -> tuple[float, float]:
    """CPU seconds of parsing a message and of extracting its lead details."""
    started = time.process_time()
    parsed = parse_message(raw)
    parsed_at = time.process_time()
    sender = parsed.sender
    extract_lead_details(
        sender_name=sender.name if sender else "",
        sender_email=sender.email if sender else "",
        reply_to=[(a.name, a.email) for a in parsed.reply_to],
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html,
        default_region=None,
    )
    return parsed_at - started, time.process_time() - parsed_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import", dest="full_import", action="store_true")
    args = parser.parse_args()
    rows = []
    print(f"{'message':32} {'MB':>6} {'parse ms':>9} {'extract ms':>11} {'total ms':>9}")
    for name, raw in hostile_messages():
        parse_s, extract_s = parse_and_extract(raw)
        rows.append((name, parse_s, extract_s))
        print(f"{name:32} {len(raw) / 1e6:6.2f} {parse_s * 1e3:9.1f} {extract_s * 1e3:11.1f} "
              f"{(parse_s + extract_s) * 1e3:9.1f}", flush=True)  # fmt: skip
    slowest = max(rows, key=lambda r: r[1] + r[2])
    print(f"slowest parse + extract: {slowest[0]} {(slowest[1] + slowest[2]) * 1e3:.0f} ms "
          f"(target <= 100 ms); total {sum(r[1] + r[2] for r in rows):.2f} s CPU "
          f"for {len(rows)} messages")  # fmt: skip
    if args.full_import:
        print(f"peak RSS of a full import: {import_peak_rss():.0f} MB")


def import_peak_rss() -> float:
    """Import every hostile message with one `clearcrm mailbox check`; its peak RSS in MB."""
    import os
    import subprocess
    import tempfile

    from tests.support.dovecot import Dovecot

    with Dovecot() as dovecot, tempfile.TemporaryDirectory() as tmp:
        login, password = dovecot.new_user("hostile")
        dovecot.append_many(login, password, "INBOX", [raw for _n, raw in hostile_messages()],
                            batch_size=1)  # fmt: skip
        env = dict(os.environ, IMAP_PASSWORD=password, SSL_CERT_FILE=str(dovecot.cert_path),
                   CLEARCRM_DATA_DIR=tmp)  # fmt: skip
        env.pop("DATABASE_URL", None)
        clearcrm = [sys.executable, "-m", "clearcrm"]
        subprocess.run([*clearcrm, "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [*clearcrm, "mailbox", "add", "--name", "Hostile", "--host", "localhost",
             "--port", str(dovecot.ssl_port), "--login", login, "--password-env", "IMAP_PASSWORD",
             "--all-messages"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        timed = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *clearcrm, "mailbox", "check", "1", "--json"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        print(timed.stdout[-2000:])
        return int(timed.stderr.strip().splitlines()[-1]) / 1024


if __name__ == "__main__":
    main()
