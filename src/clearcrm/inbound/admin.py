from __future__ import annotations

from collections import Counter

from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from clearcrm.attachments.models import stored_path
from clearcrm.inbound.forms import AssignmentRuleForm, MailboxForm, SpamRuleForm
from clearcrm.inbound.importer import retry
from clearcrm.inbound.models import (
    AssignmentRule,
    ImportRun,
    LedgerEntry,
    Mailbox,
    MailboxFolder,
    Outcome,
    SpamRule,
)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = (
        "name", "login", "host", "encryption", "active", "failing", "last_run_at", "last_error"
    )  # fmt: skip
    list_filter = ("active", "failing", "encryption", "only_unseen", "after_import")
    readonly_fields = (
        "last_run_at", "last_error", "last_error_at", "consecutive_failures", "failing",
        "next_check_at", "listener_state",
    )  # fmt: skip


@admin.register(MailboxFolder)
class MailboxFolderAdmin(admin.ModelAdmin):
    list_display = ("mailbox", "name", "uidvalidity", "last_uid", "last_run_at", "last_error")
    list_filter = ("mailbox",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ("created", "mailbox", "folder", "uid", "sender", "subject", "outcome")
    list_filter = ("outcome", "post_action", "mailbox", "created")
    search_fields = ("subject", "sender", "sender_address", "message_id")
    raw_id_fields = ("lead", "lead_email", "task", "customer", "duplicate_of", "folder")
    list_select_related = ("mailbox", "folder")
    readonly_fields = ("raw_copy",)
    actions = ["retry_failed"]

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:pk>/raw/",
            self.admin_site.admin_view(self.download_raw),
            name="inbound_ledgerentry_raw",
        )
        return [download, *super().get_urls()]

    @admin.display(description="kept copy")
    def raw_copy(self, entry: LedgerEntry) -> SafeString | str:
        if not entry.raw_file:
            return "-"
        url = reverse("admin:inbound_ledgerentry_raw", args=[entry.pk])
        return format_html('<a href="{}">Download the message (.eml)</a>', url)

    def download_raw(self, request: HttpRequest, pk: int) -> FileResponse:
        entry = get_object_or_404(LedgerEntry, pk=pk)
        if not entry.raw_file or not self.has_view_permission(request, entry):
            raise Http404("no kept copy")
        return FileResponse(
            stored_path(entry.raw_file).open("rb"),
            as_attachment=True,
            filename=f"message-{entry.pk}.eml",
            content_type="message/rfc822",
        )

    @admin.action(description="Retry the selected failed messages")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[LedgerEntry]) -> None:
        done: Counter[str] = Counter()
        for entry in queryset.filter(outcome=Outcome.FAILED).exclude(raw_file=""):
            done[retry(entry)] += 1
        summary = ", ".join(f"{n} {outcome}" for outcome, n in done.items()) or "nothing to retry"
        self.message_user(request, f"Retried: {summary}.")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("mailbox", "started", "seen", "seconds")
    list_filter = ("mailbox", "started")


@admin.register(SpamRule)
class SpamRuleAdmin(admin.ModelAdmin):
    form = SpamRuleForm
    list_display = ("__str__", "type", "value", "allow", "mailbox", "created")
    list_filter = ("allow", "type", "mailbox")
    search_fields = ("value",)


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    form = AssignmentRuleForm
    list_display = ("name", "mailbox", "position", "mode", "assignee", "active")
    list_filter = ("active", "mode", "mailbox")
    list_editable = ("position", "active")
    filter_horizontal = ("team",)
