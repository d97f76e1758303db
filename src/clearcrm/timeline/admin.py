from django.contrib import admin

from clearcrm.timeline.models import Activity, Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("__str__", "lead", "customer", "author", "created")
    list_filter = ("author", "created")
    raw_id_fields = ("lead", "customer")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Read-only: the activity log is append-only."""

    list_display = ("text", "lead", "customer", "actor", "created")
    list_filter = ("actor", "created")
    search_fields = ("text",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
