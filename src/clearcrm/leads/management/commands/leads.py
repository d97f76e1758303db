import json

from django.core.management.base import BaseCommand

from clearcrm.leads.models import Lead


def lead_as_dict(lead: Lead) -> dict:
    return {
        "id": lead.pk,
        "name": lead.name,
        "email": lead.email,
        "company": lead.company,
        "phone": lead.phone,
        "status": lead.status.name,
        "source": lead.source.name,
        "assigned": lead.assigned.get_username() if lead.assigned else None,
        "is_public": lead.is_public,
        "created": lead.created.isoformat(),
        "mailbox": lead.mailbox_id,
    }


class Command(BaseCommand):
    help = "List leads."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("list", help="list leads, newest first")
        show.add_argument("--json", action="store_true", help="print a JSON list")
        show.add_argument("--limit", type=int, default=0, help="at most this many (0: all)")

    def handle(self, *args, action: str, **options) -> None:
        leads = Lead.objects.select_related("status", "source", "assigned").order_by("-created")
        if options["limit"]:
            leads = leads[: options["limit"]]
        rows = [lead_as_dict(lead) for lead in leads.iterator(chunk_size=500)]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            assigned = row["assigned"] or "-"
            self.stdout.write(
                f"{row['id']:>6}  {row['name'][:30]:<30} {row['email'][:34]:<34} "
                f"{row['status']:<14} {assigned}"
            )
        self.stdout.write(f"{len(rows)} lead(s)")
