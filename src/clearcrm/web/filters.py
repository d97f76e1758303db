"""The filters of the leads table and kanban, and of the task list (django-filter).

Every filter starts from what the user may see (`visible_to`), so a filter
can only narrow it; the values stay in the URL, so a filtered view can be
bookmarked, shared and exported.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast

import django_filters
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clearcrm.inbound.models import Mailbox
from clearcrm.leads.models import Lead, LeadQuerySet, LeadSource, LeadStatus
from clearcrm.staff.models import display_name
from clearcrm.tasks.models import Task

ME, NOBODY = "me", "none"
UserLike = AbstractBaseUser | AnonymousUser


def staff_members() -> QuerySet[User]:
    """Staff who may be given work: active users whose profile is not switched off."""
    return (
        User.objects.filter(is_active=True)
        .exclude(staff__active=False)
        .select_related("staff")
        .order_by("first_name", "username")
    )


def person_choices() -> list[tuple[str, str]]:
    people = [(str(u.pk), display_name(u)) for u in staff_members()]
    return [(ME, str(_("Me"))), (NOBODY, str(_("Nobody"))), *people]


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search_leads(queryset: QuerySet[Lead], text: str) -> QuerySet[Lead]:
    """Leads whose name, email, company or phone contains the text."""
    text = text.strip()[:100]
    if not text:
        return queryset
    return queryset.filter(
        Q(name__icontains=text)
        | Q(email__icontains=text)
        | Q(company__icontains=text)
        | Q(phone__icontains=text)
        | Q(phone_display__icontains=text)
    )


class LeadFilter(django_filters.FilterSet):
    STATES = [
        ("", _("Active (not lost or junk)")),
        ("open", _("Open (not converted)")),
        ("converted", _("Converted to customer")),
        ("lost", _("Lost")),
        ("junk", _("Junk")),
        ("all", _("All")),
    ]

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.ModelChoiceFilter(
        queryset=LeadStatus.objects.all(), empty_label=_("Any status"), label=_("Status")
    )
    source = django_filters.ModelChoiceFilter(
        queryset=LeadSource.objects.all(), empty_label=_("Any source"), label=_("Source")
    )
    assigned = django_filters.ChoiceFilter(
        method="filter_assigned", empty_label=_("Anyone"), label=_("Assigned")
    )
    mailbox = django_filters.ModelChoiceFilter(
        queryset=Mailbox.objects.all(), empty_label=_("Any mailbox"), label=_("Mailbox")
    )
    public = django_filters.ChoiceFilter(
        method="filter_public",
        choices=[("yes", _("Public")), ("no", _("Private"))],
        empty_label=_("Public or private"),
        label=_("Visibility"),
    )
    state = django_filters.ChoiceFilter(
        method="filter_state", choices=STATES[1:], empty_label=STATES[0][1], label=_("State")
    )
    created_from = django_filters.DateFilter(method="filter_from", label=_("Created from"))
    created_to = django_filters.DateFilter(method="filter_to", label=_("Created until"))

    class Meta:
        model = Lead
        fields: list[str] = []

    def __init__(self, data: Any, *, user: UserLike, **kwargs: Any) -> None:
        self.user = user
        super().__init__(data, queryset=Lead.objects.visible_to(user), **kwargs)
        self.filters["assigned"].extra["choices"] = person_choices()

    @property
    def qs(self) -> QuerySet[Lead]:
        queryset = super().qs
        if not self.is_bound or not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(is_lost=False, is_junk=False)
        return queryset

    @property
    def active(self) -> bool:
        """Whether any filter is set (for the 'clear filters' link and empty states)."""
        if not (self.is_bound and self.form.is_valid()):
            return False
        return any(self.form.cleaned_data.get(name) for name in self.filters)

    def filter_q(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return search_leads(queryset, value)

    def filter_assigned(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        if value == ME:
            return queryset.filter(assigned=self.user.pk)
        if value == NOBODY:
            return queryset.filter(assigned=None)
        return queryset.filter(assigned_id=int(value)) if value.isdigit() else queryset.none()

    def filter_public(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(is_public=value == "yes")

    def filter_state(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        if value == "open":
            return cast(LeadQuerySet, queryset).open()
        if value == "converted":
            return queryset.filter(customer__isnull=False)
        if value in ("lost", "junk"):
            return queryset.filter(**{f"is_{value}": True})
        return queryset

    def filter_from(self, queryset: QuerySet[Lead], name: str, value: date) -> QuerySet[Lead]:
        return queryset.filter(created__gte=start_of(value))

    def filter_to(self, queryset: QuerySet[Lead], name: str, value: date) -> QuerySet[Lead]:
        return queryset.filter(created__lt=start_of(value + timedelta(days=1)))


class TaskFilter(django_filters.FilterSet):
    DUE = [
        ("overdue", _("Overdue")),
        ("today", _("Due today")),
        ("week", _("Due within 7 days")),
        ("none", _("No due date")),
    ]

    scope = django_filters.ChoiceFilter(
        method="filter_scope",
        choices=[("all", _("All tasks I may see"))],
        empty_label=_("My tasks"),
        label=_("Show"),
    )
    status = django_filters.ChoiceFilter(
        choices=Task.Status.choices, empty_label=_("Open"), method="filter_status",
        label=_("Status"),
    )  # fmt: skip
    priority = django_filters.ChoiceFilter(
        choices=Task.Priority.choices, empty_label=_("Any priority"), label=_("Priority")
    )
    due = django_filters.ChoiceFilter(
        method="filter_due", choices=DUE, empty_label=_("Any due date"), label=_("Due")
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, data: Any, *, user: UserLike, **kwargs: Any) -> None:
        self.user = user
        super().__init__(data, queryset=Task.objects.visible_to(user), **kwargs)

    @property
    def qs(self) -> QuerySet[Task]:
        queryset = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        if not data.get("scope"):
            queryset = queryset.filter(assignees=self.user.pk)
        if not data.get("status"):
            queryset = queryset.open()
        return queryset

    def filter_scope(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset  # 'all': everything visible; the default (mine) is applied in qs

    def filter_status(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(status=value)

    def filter_due(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(due_date__lt=today)
        if value == "today":
            return queryset.filter(due_date=today)
        if value == "week":
            return queryset.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7))
        return queryset.filter(due_date=None)
