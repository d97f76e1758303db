import random
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from clearcrm.customers.models import Customer
from clearcrm.customers.services import add_contact, create_customer
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from clearcrm.leads.services import (
    add_incoming_email,
    convert_to_customer,
    create_lead,
    mark_lost,
)
from clearcrm.staff.models import ROLE_SALES_MANAGER, ROLE_SALES_REP, role
from clearcrm.tasks.models import Task
from clearcrm.tasks.services import create_task
from clearcrm.timeline.services import add_note

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
# Further leads are made of these, so the dashboard's chart has weeks of history.
FIRST = [
    "Mia",
    "Leon",
    "Zoe",
    "Omar",
    "Elena",
    "Felix",
    "Nora",
    "Ravi",
    "Ingrid",
    "Tomás",
    "Amara",
    "Jonas",
    "Lea",
    "Kenji",
    "Sara",
    "Hugo",
    "Maya",
    "Erik",
    "Lina",
    "Diego",
]
LAST = [
    "Berger",
    "Costa",
    "Nakamura",
    "Haddad",
    "Novak",
    "Lindqvist",
    "Moreau",
    "Kowalski",
    "Silva",
    "Jensen",
    "Okoro",
    "Romano",
    "Weber",
    "Kaur",
    "Dalton",
    "Ferreira",
]
COMPANIES = [
    "Alpine Outfitters",
    "Bluewave Analytics",
    "Cedar & Co",
    "Delta Freight",
    "Evergreen Dental",
    "Foxglove Events",
    "Granite Legal",
    "Harbor Hotels",
    "Ironwood Labs",
    "Juniper Schools",
    "Kestrel Energy",
    "Lighthouse Media",
    "",
]
SUBJECTS = [
    "Request for a quote",
    "Question about pricing",
    "Demo for our team",
    "Do you integrate with our ERP?",
    "Volume discount?",
    "Trial question",
    "Contact form: new enquiry",
    "Following up on the webinar",
    "Onboarding help",
]
GENERATED = 66
HISTORY_DAYS = 45


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
                due_date=timezone.localdate() + timedelta(days=rng.randint(-3, 30)),
            )

    def lead_specs(self, rng: random.Random) -> list[tuple[str, str, str, str]]:
        specs = list(LEADS)
        for _ in range(GENERATED):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            specs.append((name, rng.choice(COMPANIES), "", rng.choice(SUBJECTS)))
        return specs

    def make_leads(self, staff: list[User], rng: random.Random) -> None:
        statuses = list(LeadStatus.objects.all())
        sources = list(LeadSource.objects.all())
        now = timezone.now()
        for i, (name, company, title, subject) in enumerate(self.lead_specs(rng)):
            local = name.lower().replace(" ", ".").replace("'", "")
            email = f"{local}.{i}@mail.example"
            assigned = rng.choice([*staff, None])
            # Newer leads are more often still new; older ones have moved on.
            age = rng.triangular(0, HISTORY_DAYS, 0) if i >= len(LEADS) else rng.uniform(0, 20)
            created = now - timedelta(days=age, minutes=rng.randint(0, 600))
            if i < len(LEADS):  # the named leads show every status
                stage = i % len(statuses)
            else:
                stage = min(len(statuses) - 1, int(rng.random() * (1 + age / 8)))
            lead = create_lead(
                name=name,
                company=company,
                title=title,
                email=email,
                status=statuses[stage],
                source=rng.choices(sources, weights=[6, 4, 2, 2, 1][: len(sources)])[0],
                assigned=assigned,
                is_public=rng.random() < 0.5,
                activity="Lead created from demo data",
                notify_assignee=False,
            )
            # Demo history: the creation time is back-dated, which no service does
            # (a real lead is created when it arrives).
            Lead.objects.filter(pk=lead.pk).update(created=created)
            self.add_email(lead, i, subject, created + timedelta(minutes=1))
            self.follow_up(lead, i, statuses[stage], staff, rng)

    def add_email(self, lead: Lead, i: int, subject: str, sent: datetime) -> None:
        text = (
            f"Hello,\n\n{subject.rstrip('?.!')}: we are a team of {8 + i % 40} and would like "
            f"to know more about plans and onboarding. Could someone get back to me?\n\n"
            f"Best regards,\n{lead.name}\n{lead.company}"
        )
        html = "<p>" + "</p><p>".join(escape(p).replace("\n", "<br>") for p in text.split("\n\n"))
        html += "</p>"
        message_id = f"<demo-{i}@mail.example>"
        add_incoming_email(
            lead,
            from_name=lead.name,
            from_email=lead.email,
            to="sales@clearcrm.example",
            cc="",
            subject=subject,
            sent_at=sent,
            message_id=message_id,
            in_reply_to="",
            text=text,
            html=html,
            activity=False,
            raw=raw_message(lead, subject, sent, message_id, text, html),
        )

    def follow_up(
        self, lead: Lead, i: int, status: LeadStatus, staff: list[User], rng: random.Random
    ) -> None:
        if i % 3 == 0:
            create_task(
                title=f"Call {lead.name}",
                lead=lead,
                assignees=[lead.assigned or rng.choice(staff)],
                due_date=timezone.localdate() + timedelta(days=rng.randint(-4, 14)),
                priority=rng.choice(Task.Priority.values),
            )
        if i % 4 == 1:
            add_note(
                lead,
                "Spoke briefly on the phone; sending the price list.",
                author=lead.assigned or staff[0],
            )
        if status.name == "Won" and i % 2 == 0:
            convert_to_customer(lead, actor=lead.assigned or staff[0])
        elif status.name == "Lost":
            mark_lost(lead, True, actor=lead.assigned)


def raw_message(
    lead: Lead, subject: str, sent: datetime, message_id: str, text: str, html: str
) -> bytes:
    """The demo email as a real MIME message, so "View original" and the HTML view work."""
    message = EmailMessage()
    message["From"] = f"{lead.name} <{lead.email}>"
    message["To"] = "sales@clearcrm.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id or make_msgid()
    message.set_content(text)
    message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    return message.as_bytes()
