from __future__ import annotations

import json
import os
from argparse import BooleanOptionalAction
from datetime import date
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from clearcrm.inbound import imap
from clearcrm.inbound.forms import MailboxForm, mailbox_data
from clearcrm.inbound.importer import RunSummary, connect, import_mailbox, retry
from clearcrm.inbound.management.cli import find, save_form
from clearcrm.inbound.models import MB, LedgerEntry, Mailbox, Outcome
from clearcrm.leads.models import LeadSource, LeadStatus

PLAINTEXT_WARNING = (
    "Warning: encryption 'none' sends the password and all mail in plain text. "
    "Use it only on a trusted network."
)


class Command(BaseCommand):
    help = "Connect IMAP mailboxes and import their mail as leads, tasks and conversations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        add = sub.add_parser("add", help="connect a new mailbox; prints its id")
        add.add_argument("--name", required=True)
        add.add_argument("--host", required=True)
        add.add_argument("--login", required=True, help="the email address to log in with")
        add.add_argument(
            "--password-env",
            required=True,
            metavar="VAR",
            help="name of the environment variable holding the password",
        )
        add_settings_arguments(add)

        update = sub.add_parser("update", help="change settings of a mailbox")
        update.add_argument("id", type=int)
        update.add_argument("--name")
        update.add_argument("--host")
        update.add_argument("--login")
        update.add_argument("--password-env", metavar="VAR")
        add_settings_arguments(update)

        show = sub.add_parser("list", help="list mailboxes and their health")
        show.add_argument("--json", action="store_true")

        test = sub.add_parser("test", help="connect, log in and list the folders")
        test.add_argument("id", type=int)

        check = sub.add_parser("check", help="import new mail now and print a summary")
        which = check.add_mutually_exclusive_group(required=True)
        which.add_argument("id", type=int, nargs="?")
        which.add_argument("--all", action="store_true", help="every active mailbox")
        check.add_argument("--json", action="store_true")
        check.add_argument("--progress", action="store_true", help="show a progress bar")

        again = sub.add_parser("retry", help="process a failed message again from its copy")
        again.add_argument("ledger_id", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, "handle_" + action)(**options)

    def handle_add(self, **options: Any) -> None:
        data = mailbox_data(Mailbox())
        data.update(settings_data(options, creating=True))
        mailbox = save_mailbox(MailboxForm(data))
        if mailbox.encryption == Mailbox.Encryption.NONE:
            self.stderr.write(PLAINTEXT_WARNING)
        self.stdout.write(str(mailbox.pk))

    def handle_update(self, **options: Any) -> None:
        mailbox = get_mailbox(options["id"])
        data = mailbox_data(mailbox)
        data.update(settings_data(options, creating=False))
        save_mailbox(MailboxForm(data, instance=mailbox))
        if options["encryption"] == Mailbox.Encryption.NONE:
            self.stderr.write(PLAINTEXT_WARNING)
        self.stdout.write(f"Mailbox {mailbox.pk} updated.")

    def handle_list(self, **options: Any) -> None:
        rows = [mailbox_as_dict(m) for m in Mailbox.objects.order_by("pk")]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            health = row["last_error"].splitlines()[0] if row["last_error"] else "ok"
            self.stdout.write(
                f"{row['id']:>4}  {row['name']:<20} {row['login']:<30} "
                f"{row['host']}:{row['port']} ({row['encryption']})  {health}"
            )

    def handle_test(self, **options: Any) -> None:
        mailbox = get_mailbox(options["id"])
        try:
            client = connect(mailbox)
        except imap.ImapError as exc:
            raise CommandError(str(exc)) from None
        try:
            folders = imap.selectable_folders(client)
        finally:
            imap.close(client)
        self.stdout.write(f"Connected to {mailbox.host}:{mailbox.port} as {mailbox.login}.")
        self.stdout.write("Folders: " + ", ".join(folders))

    def handle_check(self, **options: Any) -> None:
        if options["all"]:
            mailboxes = list(Mailbox.objects.filter(active=True).order_by("pk"))
        else:
            mailboxes = [get_mailbox(options["id"])]
        summaries = [self.check_one(m, options["progress"]) for m in mailboxes]
        if options["json"]:
            data = [s.as_dict() for s in summaries]
            self.stdout.write(json.dumps(data if options["all"] else data[0], indent=2))
        else:
            for summary in summaries:
                self.stdout.write(describe(summary))
        if any(s.errors for s in summaries):
            raise SystemExit(1)  # the summary above says what went wrong

    def check_one(self, mailbox: Mailbox, show_progress: bool) -> RunSummary:
        if not show_progress:
            return import_mailbox(mailbox)
        from tqdm import tqdm

        with tqdm(desc=mailbox.name, unit="msg", file=self.stderr._out) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            return import_mailbox(mailbox, progress=progress)

    def handle_retry(self, **options: Any) -> None:
        entries = LedgerEntry.objects.select_related("mailbox", "folder")
        entry = entries.filter(pk=options["ledger_id"]).first()
        if entry is None:
            raise CommandError(f"No ledger entry {options['ledger_id']}.")
        if entry.outcome != Outcome.FAILED or not entry.raw_file:
            raise CommandError(f"Ledger entry {entry.pk} is {entry.outcome}, not a failure.")
        outcome = retry(entry)
        self.stdout.write(f"Ledger entry {entry.pk}: {outcome}")
        if outcome == Outcome.FAILED:
            raise CommandError(entry.error)


def add_settings_arguments(parser: CommandParser) -> None:
    """Options shared by `mailbox add` and `mailbox update`."""
    parser.add_argument("--port", type=int)
    parser.add_argument("--encryption", choices=[c.value for c in Mailbox.Encryption])
    parser.add_argument("--insecure-skip-verify", action="store_true", default=None)
    parser.add_argument("--folder", action="append", help="a folder to retrieve (repeatable)")
    parser.add_argument("--check-every", type=int, metavar="MIN")
    parser.add_argument("--active", action=BooleanOptionalAction, default=None)
    parser.add_argument("--push", action=BooleanOptionalAction, default=None, help="IMAP IDLE")
    seen = parser.add_mutually_exclusive_group()
    seen.add_argument("--only-unseen", dest="only_unseen", action="store_true", default=None)
    seen.add_argument("--all-messages", dest="only_unseen", action="store_false")
    after = parser.add_mutually_exclusive_group()
    after.add_argument("--delete-after-import", action="store_true", default=None)
    after.add_argument("--move-to", metavar="FOLDER")
    after.add_argument("--keep-after-import", action="store_true", default=None)
    parser.add_argument("--create-task-if-customer", action="store_true", default=None)
    parser.add_argument("--mark-public", action="store_true", default=None)
    parser.add_argument("--default-status", metavar="NAME")
    parser.add_argument("--default-source", metavar="NAME")
    parser.add_argument("--responsible", metavar="USERNAME")
    parser.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--max-message-size", type=int, metavar="MB")
    parser.add_argument("--import-list-mail", action=BooleanOptionalAction, default=None)
    parser.add_argument("--rate-limit", type=int, metavar="N", help="messages per sender per hour")
    parser.add_argument("--phone-region", metavar="CC", help="e.g. DE, for numbers without +")
    parser.add_argument("--notify-imported", action=BooleanOptionalAction, default=None)
    parser.add_argument("--notify-lead-writes-again", action=BooleanOptionalAction, default=None)
    parser.add_argument(
        "--notify",
        metavar="WHO",
        help="responsible | staff:U1,U2 | roles:ROLE1,ROLE2",
    )


# Options that set a mailbox field as they are given (absent ones keep its value).
AS_GIVEN = {
    "name": "name", "host": "host", "login": "login", "encryption": "encryption",
    "port": "port", "insecure_skip_verify": "skip_verify", "folder": "folders",
    "check_every": "check_every", "only_unseen": "only_unseen", "active": "active",
    "push": "push",
    "create_task_if_customer": "create_task_if_customer", "mark_public": "mark_public",
    "since": "since", "import_list_mail": "import_list_mail", "rate_limit": "sender_rate_limit",
    "phone_region": "phone_region", "notify_imported": "notify_imported",
    "notify_lead_writes_again": "notify_lead_writes_again",
}  # fmt: skip


def settings_data(options: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Form data for the options given; a new mailbox gets its encryption's usual port."""
    data = {field: options[option] for option, field in AS_GIVEN.items()
            if options.get(option) is not None}  # fmt: skip
    if creating and options["port"] is None:
        data["port"] = None
    if options["password_env"]:
        data["password"] = password_from(options["password_env"])
    if options["delete_after_import"]:
        data["after_import"] = Mailbox.AfterImport.DELETE
    elif options["move_to"]:
        data["after_import"], data["move_to"] = Mailbox.AfterImport.MOVE, options["move_to"]
    elif options["keep_after_import"]:
        data["after_import"] = Mailbox.AfterImport.KEEP
    if options["max_message_size"]:
        data["max_message_size"] = options["max_message_size"] * MB
    if options["default_status"]:
        data["default_status"] = find(LeadStatus, name__iexact=options["default_status"]).pk
    if options["default_source"]:
        data["default_source"] = find(LeadSource, name__iexact=options["default_source"]).pk
    if options["responsible"]:
        data["responsible"] = find(User, username=options["responsible"]).pk
    if options["notify"]:
        data.update(notify_data(options["notify"]))
    return data


def notify_data(value: str) -> dict[str, Any]:
    """--notify responsible | staff:U1,U2 | roles:R1,R2 as form data."""
    kind, _, listed = value.partition(":")
    names = [n.strip() for n in listed.split(",") if n.strip()]
    if kind == Mailbox.Notify.RESPONSIBLE and not names:
        return {"notify": kind}
    if kind == Mailbox.Notify.STAFF and names:
        return {"notify": kind, "notify_staff": [find(User, username=n).pk for n in names]}
    if kind == Mailbox.Notify.ROLES and names:
        return {"notify": kind, "notify_roles": [find(Group, name__iexact=n).pk for n in names]}
    raise CommandError("--notify takes responsible, staff:U1,U2 or roles:ROLE1,ROLE2")


@transaction.atomic
def save_mailbox(form: MailboxForm) -> Mailbox:
    mailbox: Mailbox = save_form(form)
    return mailbox


def password_from(variable: str) -> str:
    password = os.environ.get(variable)
    if not password:
        raise CommandError(f"The environment variable {variable} is not set or empty.")
    return password


def get_mailbox(pk: int) -> Mailbox:
    mailbox = Mailbox.objects.filter(pk=pk).first()
    if mailbox is None:
        raise CommandError(f"No mailbox {pk}.")
    return mailbox


def mailbox_as_dict(mailbox: Mailbox) -> dict[str, Any]:
    return {
        "id": mailbox.pk,
        "name": mailbox.name,
        "active": mailbox.active,
        "host": mailbox.host,
        "port": mailbox.port,
        "encryption": mailbox.encryption,
        "skip_verify": mailbox.skip_verify,
        "login": mailbox.login,
        "folders": mailbox.folder_names,
        "check_every": mailbox.check_every,
        "only_unseen": mailbox.only_unseen,
        "after_import": mailbox.after_import,
        "move_to": mailbox.move_to,
        "create_task_if_customer": mailbox.create_task_if_customer,
        "mark_public": mailbox.mark_public,
        "since": mailbox.since.isoformat() if mailbox.since else None,
        "import_list_mail": mailbox.import_list_mail,
        "rate_limit": mailbox.sender_rate_limit,
        "notify_imported": mailbox.notify_imported,
        "notify_lead_writes_again": mailbox.notify_lead_writes_again,
        "notify": mailbox.notify,
        "notify_staff": [u.username for u in mailbox.notify_staff.order_by("pk")],
        "notify_roles": [g.name for g in mailbox.notify_roles.order_by("pk")],
        "last_run_at": mailbox.last_run_at.isoformat() if mailbox.last_run_at else None,
        "last_error": mailbox.last_error,
        "consecutive_failures": mailbox.consecutive_failures,
    }


def describe(summary: RunSummary) -> str:
    counts = ", ".join(f"{k}: {v}" for k, v in summary.as_dict()["outcomes"].items() if v)
    lines = [
        f"Mailbox {summary.mailbox}: {summary.seen} message(s) in {summary.seconds:.1f}s"
        + (f" ({counts})" if counts else "")
    ]
    lines += [f"  error: {e}" for e in summary.errors]
    return "\n".join(lines)
