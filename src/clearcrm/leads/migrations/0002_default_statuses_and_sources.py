from django.db import migrations

STATUSES = [
    ("New", "#2563eb", True),
    ("Contacted", "#0891b2", False),
    ("Qualified", "#7c3aed", False),
    ("Proposal sent", "#d97706", False),
    ("Won", "#16a34a", False),
    ("Lost", "#dc2626", False),
]
SOURCES = [("Email", True), ("Web form", False), ("Phone", False), ("Referral", False), ("Other", False)]


def seed(apps, schema_editor):
    LeadStatus = apps.get_model("leads", "LeadStatus")
    LeadSource = apps.get_model("leads", "LeadSource")
    for order, (name, color, is_default) in enumerate(STATUSES):
        LeadStatus.objects.get_or_create(
            name=name, defaults={"color": color, "order": order, "is_default": is_default}
        )
    for name, is_default in SOURCES:
        LeadSource.objects.get_or_create(name=name, defaults={"is_default": is_default})


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
