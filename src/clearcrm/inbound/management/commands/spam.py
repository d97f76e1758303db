from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clearcrm.inbound.forms import SpamRuleForm
from clearcrm.inbound.management.cli import find, remove, save_form
from clearcrm.inbound.models import Mailbox, SpamRule


class Command(BaseCommand):
    help = "Block (or allow) incoming mail by sender, domain, subject, phrase or pattern."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        add = sub.add_parser("add", help="add a rule; prints its id")
        add.add_argument("--type", required=True, choices=[t.value for t in SpamRule.Type])
        add.add_argument("--value", required=True)
        add.add_argument("--allow", action="store_true", help="an allow rule, which wins")
        add.add_argument("--mailbox", type=int, help="only this mailbox (default: all)")
        show = sub.add_parser("list", help="list the rules")
        show.add_argument("--json", action="store_true")
        remove = sub.add_parser("remove", help="remove a rule")
        remove.add_argument("id", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, "handle_" + action)(**options)

    def handle_add(self, **options: Any) -> None:
        mailbox = find(Mailbox, pk=options["mailbox"]) if options["mailbox"] else None
        data = {
            "type": options["type"],
            "value": options["value"],
            "allow": options["allow"],
            "mailbox": mailbox.pk if mailbox else None,
        }
        rule: SpamRule = save_form(SpamRuleForm(data))
        self.stdout.write(str(rule.pk))

    def handle_list(self, **options: Any) -> None:
        rows = [
            {
                "id": r.pk,
                "type": r.type,
                "value": r.value,
                "allow": r.allow,
                "mailbox": r.mailbox_id,
            }
            for r in SpamRule.objects.order_by("pk")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            scope = f"mailbox {row['mailbox']}" if row["mailbox"] else "all mailboxes"
            kind = "allow" if row["allow"] else "block"
            self.stdout.write(
                f"{row['id']:>4}  {kind:<5} {row['type']:<8} {row['value']!r}  ({scope})"
            )

    def handle_remove(self, **options: Any) -> None:
        self.stdout.write(remove(SpamRule, options["id"]))
