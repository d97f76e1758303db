from django.contrib import admin

from clearcrm.attachments.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "content_type", "size", "lead", "task", "customer", "created")
    list_filter = ("content_type", "created")
    search_fields = ("original_name", "sha256")
    readonly_fields = ("stored_name", "sha256", "size")
    raw_id_fields = ("lead", "task", "customer", "lead_email")
