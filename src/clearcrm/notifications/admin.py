from django.contrib import admin

from clearcrm.notifications.models import Notification, OutgoingEmail


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("text", "recipient", "is_read", "created")
    list_filter = ("is_read", "recipient", "created")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("subject", "to", "created", "sent_at", "attempts", "last_error")
    list_filter = ("sent_at", "created")
    search_fields = ("to", "subject")
