from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from clearcrm.inbound.forms import AssignmentRuleForm
from clearcrm.inbound.management.cli import find, remove, save_form
from clearcrm.inbound.models import AssignmentRule, Mailbox
from clearcrm.leads.models import LeadSource, LeadStatus


class Command(BaseCommand):
    help = "Assignment rules: who gets new leads, in order, first match wins."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        add = sub.add_parser("add", help="add a rule at the end; prints its id")
        add.add_argument("--mailbox", type=int, help="only this mailbox (default: all, last)")
        add.add_argument("--name", required=True)
        add.add_argument("--sender", metavar="EMAIL")
        add.add_argument("--sender-domain", metavar="DOMAIN")
        add.add_argument("--to", metavar="EMAIL", help="the address the mail was sent to")
        add.add_argument("--subject-contains", metavar="TEXT")
        add.add_argument("--body-contains", metavar="TEXT")
        add.add_argument("--regex", metavar="PATTERN", help="on subject or body")
        add.add_argument("--folder")
        add.add_argument("--phone-country", metavar="CC", help="e.g. DE")
        who = add.add_mutually_exclusive_group(required=True)
        who.add_argument("--assign", metavar="USERNAME")
        who.add_argument("--assign-round-robin", metavar="U1,U2,...")
        who.add_argument("--assign-least-busy", metavar="U1,U2,...")
        add.add_argument("--set-status", metavar="NAME")
        add.add_argument("--set-source", metavar="NAME")
        add.add_argument("--public", action="store_true", default=None)
        add.add_argument("--note", help="a note added to each lead")
        show = sub.add_parser("list", help="list the rules in the order they are tried")
        show.add_argument("--json", action="store_true")
        remove = sub.add_parser("remove", help="remove a rule")
        remove.add_argument("id", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, "handle_" + action)(**options)

    @transaction.atomic
    def handle_add(self, **options: Any) -> None:
        data: dict[str, Any] = {
            "name": options["name"],
            "active": True,
            "set_public": options["public"],
            "add_note": options["note"] or "",
        }
        if options["mailbox"]:
            data["mailbox"] = find(Mailbox, pk=options["mailbox"]).pk
        data.update({name: options[name] for name in AssignmentRule.CONDITIONS if options[name]})
        if options["assign"]:
            data["mode"], data["assignee"] = AssignmentRule.Mode.USER, staff(options["assign"]).pk
        else:
            robin = options["assign_round_robin"]
            data["mode"] = (
                AssignmentRule.Mode.ROUND_ROBIN if robin else AssignmentRule.Mode.LEAST_BUSY
            )
            names = (robin or options["assign_least_busy"]).split(",")
            data["team"] = [staff(name.strip()).pk for name in names if name.strip()]
        if options["set_status"]:
            data["set_status"] = find(LeadStatus, name__iexact=options["set_status"]).pk
        if options["set_source"]:
            data["set_source"] = find(LeadSource, name__iexact=options["set_source"]).pk
        rule: AssignmentRule = save_form(AssignmentRuleForm(data))
        self.stdout.write(str(rule.pk))

    def handle_list(self, **options: Any) -> None:
        rows = [rule_as_dict(r) for r in AssignmentRule.objects.order_by("mailbox", "position")]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            when = ", ".join(f"{k}={v!r}" for k, v in row["conditions"].items()) or "always"
            scope = f"mailbox {row['mailbox']}" if row["mailbox"] else "all mailboxes"
            who = row["assignee"] or ",".join(row["team"]) or "-"
            self.stdout.write(
                f"{row['id']:>4}  {row['name']!r} ({scope}): when {when} -> {row['mode']} {who}"
            )

    def handle_remove(self, **options: Any) -> None:
        self.stdout.write(remove(AssignmentRule, options["id"]))


def rule_as_dict(rule: AssignmentRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "mailbox": rule.mailbox_id,
        "position": rule.position,
        "conditions": {
            name: getattr(rule, name) for name in AssignmentRule.CONDITIONS if getattr(rule, name)
        },
        "mode": rule.mode,
        "assignee": rule.assignee.username if rule.assignee else None,
        "team": [u.username for u in rule.team.order_by("pk")],
        "set_status": rule.set_status.name if rule.set_status else None,
        "set_source": rule.set_source.name if rule.set_source else None,
        "set_public": rule.set_public,
    }


def staff(username: str) -> User:
    return find(User, username=username)
