import json

from django.core.management.base import BaseCommand, CommandParser

from clearcrm.worker.status import report


class Command(BaseCommand):
    help = "Show whether every mailbox is checked and healthy, and the queue's length."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON")

    def handle(self, *args, as_json: bool, **options) -> None:
        data = report()
        if as_json:
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.print_table(data)
        if data["queue"]["pending"] is None:
            raise SystemExit(1)

    def print_table(self, data: dict) -> None:
        rows = [("ID", "NAME", "NEXT CHECK (UTC)", "LAST RUN (UTC)", "LAST OUTCOMES", "FAILURES",
                 "LISTENER")]  # fmt: skip
        for m in data["mailboxes"]:
            outcomes = ", ".join(f"{k} {v}" for k, v in m["last_outcomes"].items()) or "-"
            failures = str(m["consecutive_failures"]) + (" FAILING" if m["failing"] else "")
            rows.append(
                (str(m["id"]), m["name"], _when(m["next_check"]), _when(m["last_run"]),
                 outcomes, failures, m["listener"])
            )  # fmt: skip
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
        for m in data["mailboxes"]:
            if m["last_error"]:
                self.stdout.write(f"\nMailbox {m['id']} ({m['name']}): {m['last_error']}")
        pending = data["queue"]["pending"]
        queue = "unreachable" if pending is None else f"{pending} task(s) waiting"
        self.stdout.write(f"\nQueue: {queue}")


def _when(iso: str | None) -> str:
    return iso[:19].replace("T", " ") if iso else "-"
