import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clearcrm.customers.models import Customer
from clearcrm.customers.services import add_contact, create_customer
from clearcrm.leads.models import Lead, LeadStatus
from clearcrm.leads.services import add_incoming_email, create_lead
from clearcrm.staff.models import ROLE_SALES_MANAGER, ROLE_SALES_REP, role
from clearcrm.tasks.models import Task
from clearcrm.tasks.services import create_task

STAFF = [
    ("ana", "Ana", "García", ROLE_SALES_MANAGER),
    ("ben", "Ben", "Okafor", ROLE_SALES_REP),
    ("chloe", "Chloe", "Martin", ROLE_SALES_REP),
    ("david", "David", "Novak", ROLE_SALES_REP),
]
CUSTOMERS = [
    ("Northwind Traders", "northwind.example", [("Laura", "Callahan"), ("Andrew", "Fuller")]),
    ("Bergström Maschinenbau GmbH", "bergstroem.example", [("Jürgen", "Müller")]),
    ("Lumière Studio", "lumiere.example", [("Camille", "Durand"), ("Hugo", "Bernard")]),
    ("Pacific Dental Group", "pacificdental.example", [("Grace", "Lee")]),
    ("Oakridge Realty", "oakridge.example", [("Michael", "Brown"), ("Sofia", "Rossi")]),
]
LEADS = [
    ("Emma Schneider", "Schneider Logistik", "Head of Operations", "Quote for 40 seats"),
    ("Liam O'Connor", "Greenfield Farms", "Owner", "Pricing question"),
    ("Yuki Tanaka", "Tanaka Design", "Creative Director", "Demo request"),
    ("Mateo Fernández", "Costa Hoteles", "IT Manager", "Integration with our booking tool"),
    ("Olivia Johnson", "Brightside Clinics", "Practice Manager", "Can we import our contacts?"),
    ("Noah Williams", "", "", "Interested in the annual plan"),
    ("Chiara Bianchi", "Bianchi Arredamenti", "CEO", "Richiesta informazioni"),
    ("Lucas Dubois", "Atelier Dubois", "Gérant", "Demande de devis"),
    ("Sophie van Dijk", "Dijkstra Bouw", "Office Manager", "Offerte aanvraag"),
    ("Pedro Almeida", "Almeida & Filhos", "Sales Director", "Pedido de orçamento"),
    ("Hannah Fischer", "Fischer Media", "Marketing Lead", "Webinar follow-up"),
    ("Aarav Patel", "Patel Pharmacy", "Owner", "Multi-store pricing"),
    ("Isabella Rossi", "", "", "Question about data export"),
    ("Jack Thompson", "Thompson Builders", "Project Manager", "Trial extension"),
]


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (staff, customers, leads, tasks)."

    def handle(self, *args, **options) -> None:
        if User.objects.filter(username="ana").exists():
            self.stdout.write("Demo data is already there.")
            return
        rng = random.Random(42)
        with transaction.atomic():
            staff = self.make_staff()
            self.make_customers(staff, rng)
            self.make_leads(staff, rng)
        self.stdout.write(
            f"Demo data ready: {len(staff)} staff, {Customer.objects.count()} customers, "
            f"{Lead.objects.count()} leads, {Task.objects.count()} tasks."
        )

    def make_staff(self) -> list[User]:
        staff = []
        for username, first, last, role_name in STAFF:
            user = User.objects.create_user(
                username, f"{username}@clearcrm.example", first_name=first, last_name=last
            )
            user.set_unusable_password()
            user.save()
            user.staff.full_name = f"{first} {last}"
            user.staff.save()
            user.groups.add(role(role_name))
            staff.append(user)
        return staff

    def make_customers(self, staff: list[User], rng: random.Random) -> None:
        for company, domain, people in CUSTOMERS:
            customer = create_customer(
                company=company, website=f"https://{domain}", account_manager=rng.choice(staff)
            )
            for i, (first, last) in enumerate(people):
                add_contact(
                    customer,
                    first_name=first,
                    last_name=last,
                    email=f"{first.lower()}.{last.lower()}@{domain}".replace("ü", "ue"),
                    is_primary=i == 0,
                )
            create_task(
                title=f"Quarterly review with {company}",
                customer=customer,
                assignees=[customer.account_manager],
                priority=rng.choice(Task.Priority.values),
                due_date=timezone.localdate() + timedelta(days=rng.randint(1, 30)),
            )

    def make_leads(self, staff: list[User], rng: random.Random) -> None:
        statuses = list(LeadStatus.objects.all())
        now = timezone.now()
        for i, (name, company, title, subject) in enumerate(LEADS):
            email = name.lower().replace(" ", ".").replace("'", "") + "@mail.example"
            assigned = rng.choice([*staff, None])
            lead = create_lead(
                name=name,
                company=company,
                title=title,
                email=email,
                status=statuses[i % len(statuses)],
                assigned=assigned,
                is_public=rng.random() < 0.5,
                activity="Lead created from demo data",
                notify_assignee=False,
            )
            sent = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
            add_incoming_email(
                lead,
                from_name=name,
                from_email=email,
                to="sales@clearcrm.example",
                cc="",
                subject=subject,
                sent_at=sent,
                message_id=f"demo-{i}@mail.example",
                in_reply_to="",
                text=f"Hello,\n\n{subject}. Could someone get back to me?\n\nBest regards,\n{name}",
                html="",
                activity=False,
            )
            if i % 3 == 0:
                create_task(title=f"Call {name}", lead=lead, assignees=[assigned])
