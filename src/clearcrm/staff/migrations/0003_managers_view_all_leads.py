from django.db import migrations

ROLES_SEEING_ALL_LEADS = ("Admin", "Sales manager")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    lead_type, _ = ContentType.objects.get_or_create(app_label="leads", model="lead")
    permission, _ = Permission.objects.get_or_create(
        content_type=lead_type,
        codename="view_all_leads",
        defaults={"name": "Can view all leads, also private ones of others"},
    )
    for group in Group.objects.filter(name__in=ROLES_SEEING_ALL_LEADS):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0002_default_roles"),
        ("leads", "0003_lead_created_by_and_view_all"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
