from django.contrib import admin

from clearcrm.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("text", "recipient", "is_read", "created")
    list_filter = ("is_read", "recipient", "created")
