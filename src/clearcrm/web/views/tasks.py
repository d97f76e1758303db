"""Tasks: mine and all I may see, with filters; a task's page with its email,
status, comments and files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clearcrm.attachments.models import NewFile
from clearcrm.inbound.models import LedgerEntry
from clearcrm.tasks import services as tasks
from clearcrm.tasks.models import Task
from clearcrm.web.access import task_for
from clearcrm.web.filters import TaskFilter
from clearcrm.web.forms import UploadForm
from clearcrm.web.views.common import StaffRequest, back_to, post_text, query_without

PAGE_SIZE = 50
TASK_RELATED = ("lead", "customer", "created_by__staff")


@login_required
def task_list(request: StaffRequest) -> HttpResponse:
    filters = TaskFilter(request.GET, user=request.user)
    queryset = (
        filters.qs.select_related(*TASK_RELATED)
        .prefetch_related("assignees__staff")
        .order_by(F("due_date").asc(nulls_last=True), "-created", "-pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section": "tasks",
        "filters": filters,
        "page": page,
        "today": timezone.localdate(),
        "statuses": Task.Status.choices,
        "query_page": query_without(request, "page"),
    }
    return render(request, "web/tasks/list.html", context)


@login_required
def task_detail(request: StaffRequest, pk: int) -> HttpResponse:
    task = task_for(request.user, pk, *TASK_RELATED)
    context = {
        "section": "tasks",
        "task": task,
        "today": timezone.localdate(),
        "statuses": Task.Status.choices,
        "assignees": task.assignees.select_related("staff"),
        "comments": task.comments.select_related("author__staff"),
        "files": task.attachments.order_by("pk"),
        "source_email": LedgerEntry.objects.filter(task=task)
        .select_related("mailbox")
        .order_by("created")
        .first(),
        "upload_form": UploadForm(),
    }
    return render(request, "web/tasks/detail.html", context)


@login_required
@require_POST
def task_status(request: StaffRequest, pk: int) -> HttpResponse:
    task = task_for(request.user, pk, "lead", "customer")
    status = request.POST.get("status", "")
    if status in Task.Status.values and tasks.change_task_status(task, status, actor=request.user):
        messages.success(
            request, _("Task is now: %(status)s.") % {"status": task.get_status_display()}
        )
    return back_to(request, default=task.get_absolute_url())


@login_required
@require_POST
def task_comment(request: StaffRequest, pk: int) -> HttpResponse:
    task = task_for(request.user, pk)
    return post_text(
        request,
        lambda text: tasks.add_comment(task, text, author=request.user),
        _("Comment added."),
        _("A comment needs some text."),
        f"{task.get_absolute_url()}#comments",
    )


@login_required
@require_POST
def task_upload(request: StaffRequest, pk: int) -> HttpResponse:
    task = task_for(request.user, pk, "lead", "customer")
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        file = NewFile(upload.name or "file", upload.content_type or "application/octet-stream",
                       upload.read())  # fmt: skip
        tasks.add_attachments(task, [file], actor=request.user)
        messages.success(request, _("File attached."))
    else:
        messages.error(request, " ".join(map(str, form.errors.get("file", [_("Choose a file.")]))))
    return redirect(f"{task.get_absolute_url()}#files")
