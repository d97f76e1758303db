from django.contrib import admin

from clearcrm.leads.models import Lead, LeadEmail, LeadSource, LeadStatus


@admin.register(LeadStatus)
class LeadStatusAdmin(admin.ModelAdmin):
    list_display = ("name", "color", "order", "is_default")
    list_editable = ("order",)
    list_filter = ("is_default",)


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default")
    list_filter = ("is_default",)


class LeadEmailInline(admin.StackedInline):
    model = LeadEmail
    extra = 0
    fields = ("direction", "from_name", "from_email", "subject", "sent_at", "text")
    readonly_fields = fields
    can_delete = False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "email", "status", "source", "assigned", "created")
    list_filter = ("status", "source", "assigned", "is_public", "is_lost", "is_junk", "mailbox")
    search_fields = ("name", "company", "email", "phone")
    date_hierarchy = "created"
    list_select_related = ("status", "source", "assigned")
    raw_id_fields = ("customer",)
    inlines = [LeadEmailInline]


@admin.register(LeadEmail)
class LeadEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "from_email", "lead", "direction", "sent_at")
    list_filter = ("direction",)
    search_fields = ("subject", "from_email", "message_id")
    raw_id_fields = ("lead",)
