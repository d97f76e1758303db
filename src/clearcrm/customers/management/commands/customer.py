from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clearcrm.customers.models import Contact
from clearcrm.customers.services import add_contact, create_customer


class Command(BaseCommand):
    help = "Add customers and their contacts."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a customer with its primary contact")
        add.add_argument("--company", required=True)
        add.add_argument("--contact-email", required=True)
        add.add_argument("--contact-name", default="")
        add.add_argument("--account-manager", default="", help="username")

    @transaction.atomic
    def handle(self, *args: Any, action: str, **options: Any) -> None:
        email = options["contact_email"].strip().lower()
        if Contact.objects.filter(email=email).exists():
            raise CommandError(f"{email} is already a contact of a customer")
        manager = None
        if options["account_manager"]:
            from django.contrib.auth.models import User

            manager = User.objects.filter(username=options["account_manager"]).first()
            if manager is None:
                raise CommandError(f"no staff member {options['account_manager']!r}")
        customer = create_customer(company=options["company"], account_manager=manager)
        first, _, last = options["contact_name"].strip().partition(" ")
        add_contact(customer, email=email, first_name=first, last_name=last, is_primary=True)
        self.stdout.write(str(customer.pk))
