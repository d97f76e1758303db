from django.contrib import admin

from clearcrm.tasks.models import Task, TaskComment


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "priority", "due_date", "lead", "customer", "created")
    list_filter = ("status", "priority", "assignees", "due_date")
    search_fields = ("title", "description")
    filter_horizontal = ("assignees",)
    raw_id_fields = ("lead", "customer")


@admin.register(TaskComment)
class TaskCommentAdmin(admin.ModelAdmin):
    list_display = ("task", "author", "created")
    list_filter = ("author", "created")
    search_fields = ("text",)
    raw_id_fields = ("task",)
