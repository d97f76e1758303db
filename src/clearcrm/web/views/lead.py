"""A lead's page: profile, status and assignment, conversation, notes, tasks, activity."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clearcrm.attachments.models import Attachment
from clearcrm.leads import services as leads
from clearcrm.leads.models import Lead, LeadStatus
from clearcrm.tasks.models import Task
from clearcrm.tasks.services import create_task
from clearcrm.web.access import lead_for
from clearcrm.web.filters import staff_members
from clearcrm.web.forms import LeadProfileForm, TaskForm, lead_initial
from clearcrm.web.views.common import StaffRequest
from clearcrm.web.views.emails import body_context

EMAILS_SHOWN = 50
ACTIVITY_SHOWN = 50
LEAD_RELATED = ("status", "source", "assigned__staff", "mailbox", "customer", "created_by__staff")


@login_required
def lead_detail(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk, *LEAD_RELATED)
    context = {
        "section": "leads",
        "lead": lead,
        "statuses": LeadStatus.objects.all(),
        "staff": staff_members(),
        "task_form": TaskForm(initial={"assignee": request.user.pk}),
        **conversation(request, lead),
        **lead_records(request, lead),
    }
    return render(request, "web/lead/detail.html", context)


def conversation(request: StaffRequest, lead: Lead) -> dict[str, object]:
    """The lead's latest emails (all with ?emails=all), oldest first, each with its body."""
    emails = lead.emails.order_by("-sent_at", "-pk").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"), to_attr="files")
    )
    total = lead.emails.count()
    limit = 1000 if request.GET.get("emails") == "all" else EMAILS_SHOWN
    shown = list(emails[:limit])[::-1]
    html_id = request.GET.get("html", "")
    bodies = [body_context(request, email, html_id == str(email.pk)) for email in shown]
    return {"bodies": bodies, "emails_total": total, "emails_hidden": total - len(shown)}


def lead_records(request: StaffRequest, lead: Lead) -> dict[str, object]:
    everything = request.GET.get("activity") == "all"
    activities = lead.activities.select_related("actor__staff")
    return {
        "notes": lead.notes.select_related("author__staff")[:200],
        "tasks": Task.objects.filter(lead=lead)
        .order_by("status", "due_date")
        .prefetch_related("assignees__staff")[:100],
        "activities": activities if everything else activities[:ACTIVITY_SHOWN],
        "activity_more": not everything and activities.count() > ACTIVITY_SHOWN,
    }


@login_required
def lead_edit(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk, "status", "source")
    form = LeadProfileForm(request.POST or None, initial=lead_initial(lead))
    if request.method == "POST" and form.is_valid():
        changed = leads.update_lead(lead, actor=request.user, **form.changes())
        if changed:
            messages.success(request, _("Lead saved."))
        return redirect(lead)
    return render(request, "web/lead/edit.html", {"section": "leads", "lead": lead, "form": form})


@login_required
@require_POST
def lead_status(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk, "status")
    status = LeadStatus.objects.filter(pk=request.POST.get("status") or 0).first()
    if status is not None and leads.change_status(lead, status, actor=request.user):
        messages.success(request, _("Status changed to %(status)s.") % {"status": status.name})
    return redirect(lead)


@login_required
@require_POST
def lead_assign(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk)
    value = request.POST.get("assigned", "")
    user = staff_members().filter(pk=value).first() if value.isdigit() else None
    if user is None and value != "none":
        messages.error(request, _("Choose a staff member."))
    elif leads.assign_lead(lead, user, actor=request.user):
        messages.success(request, _("Lead assigned."))
    return redirect(lead)


FLAGS = {"lost": leads.mark_lost, "junk": leads.mark_junk, "public": leads.set_public}


@login_required
@require_POST
def lead_flag(request: StaffRequest, pk: int, flag: str) -> HttpResponse:
    """Mark lost or junk (or not), make public or private."""
    lead = lead_for(request.user, pk)
    if flag in FLAGS:
        FLAGS[flag](lead, request.POST.get("value") == "1", actor=request.user)
    return redirect(lead)


@login_required
@require_POST
def lead_convert(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk, "assigned__staff")
    try:
        customer = leads.convert_to_customer(lead, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(lead)
    messages.success(
        request, _("%(name)s is now the customer %(company)s.")
        % {"name": lead.name, "company": customer.company}
    )  # fmt: skip
    return redirect(lead)


@login_required
@require_POST
def lead_delete(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk)
    with transaction.atomic():
        leads.delete_lead(lead, actor=request.user)
    messages.success(request, _("Lead %(name)s deleted.") % {"name": lead.name})
    return redirect("leads")


@login_required
@require_POST
def lead_task_add(request: StaffRequest, pk: int) -> HttpResponse:
    lead = lead_for(request.user, pk)
    form = TaskForm(request.POST)
    if not form.is_valid():
        context = {"section": "leads", "lead": lead, "task_form": form}
        return render(request, "web/lead/task_form.html", context, status=400)
    data = form.cleaned_data
    create_task(
        title=data["title"],
        description=data["description"],
        lead=lead,
        assignees=[data["assignee"] or request.user],
        created_by=request.user,
        priority=data["priority"],
        due_date=data["due_date"],
    )
    messages.success(request, _("Task added."))
    return redirect(f"{lead.get_absolute_url()}#tasks")
