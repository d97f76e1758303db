"""The only writers of tasks: defaults, the activity entry and the assignees' notification."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from clearcrm.attachments.models import FileData, attach
from clearcrm.customers.models import Customer
from clearcrm.leads.models import Lead
from clearcrm.notifications.services import notify
from clearcrm.staff.models import active_or_none
from clearcrm.tasks.models import Task, TaskComment
from clearcrm.timeline.services import log_activity


@transaction.atomic
def create_task(
    *,
    title: str,
    description: str = "",
    lead: Lead | None = None,
    customer: Customer | None = None,
    assignees: Iterable[User | None] = (),
    created_by: User | None = None,
    priority: str = Task.Priority.MEDIUM,
    due_date: date | None = None,
    start_date: date | None = None,
    attachments: Iterable[FileData] = (),
    activity: str | None = None,
) -> Task:
    """A task, optionally about a lead or a customer; its active assignees are told."""
    task = Task.objects.create(
        title=title[:300],
        description=description,
        lead=lead,
        customer=customer,
        created_by=created_by,
        priority=priority,
        due_date=due_date,
        start_date=start_date,
    )
    people = [u for u in map(active_or_none, assignees) if u is not None]
    task.assignees.add(*people)
    for file in attachments:
        attach(task, file)
    about = lead or customer
    if about is not None:
        text = activity or _("Task created: %(title)s") % {"title": task.title}
        log_activity(about, text, actor=created_by)
    others = [u for u in people if created_by is None or u.pk != created_by.pk]
    notify(others, _("New task: %(title)s") % {"title": task.title}, task_link(task))
    return task


def task_link(task: Task) -> str:
    """Where a notification about a task points."""
    return task.get_absolute_url()


def change_task_status(task: Task, status: str, *, actor: User | None) -> bool:
    """Move a task to another status; logs on what it is about. False when unchanged."""
    if status not in Task.Status.values:
        raise ValueError(f"unknown task status {status!r}")
    if task.status == status:
        return False
    old = task.get_status_display()
    task.status = status
    task.save(update_fields=["status", "updated"])
    about = task.about
    if about is not None:
        log_activity(
            about,
            _("Task %(title)s: %(old)s → %(new)s")
            % {"title": task.title, "old": old, "new": task.get_status_display()},
            actor=actor,
        )
    return True


def complete_task(task: Task, *, actor: User | None) -> bool:
    return change_task_status(task, Task.Status.COMPLETE, actor=actor)


def add_comment(task: Task, text: str, *, author: User) -> TaskComment:
    """A comment on a task; the task's other assignees are told."""
    comment = TaskComment.objects.create(task=task, text=text, author=author)
    others = [u for u in task.assignees.select_related("staff") if u.pk != author.pk]
    notify(others, _("New comment on task %(title)s") % {"title": task.title}, task_link(task))
    return comment


def add_attachments(task: Task, files: Iterable[FileData], *, actor: User | None) -> int:
    """Attach files to a task (logged on what it is about); returns how many."""
    added = [attach(task, file) for file in files]
    if added and task.about is not None:
        names = ", ".join(a.original_name for a in added)
        log_activity(task.about, _("Files added to task %(title)s: %(names)s")
                     % {"title": task.title, "names": names}, actor=actor)  # fmt: skip
    return len(added)
