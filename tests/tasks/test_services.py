"""Task service functions and who may see which task."""

import pytest
from django.contrib.auth.models import Group

from clearcrm.customers.services import create_customer
from clearcrm.leads.services import create_lead
from clearcrm.notifications.models import Notification
from clearcrm.staff.models import ROLE_SALES_MANAGER
from clearcrm.tasks.models import Task
from clearcrm.tasks.services import change_task_status, complete_task, create_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben(django_user_model):
    return django_user_model.objects.create_user("ben", "ben@example.com", first_name="Ben")


def test_create_task_logs_on_the_lead_and_tells_assignees_but_the_creator(staff_user, ben):
    lead = create_lead(name="Jane")
    task = create_task(title="Call Jane", lead=lead, assignees=[ben, staff_user, None],
                       created_by=staff_user)  # fmt: skip
    assert set(task.assignees.all()) == {ben, staff_user}
    assert lead.activities.filter(text="Task created: Call Jane", actor=staff_user).exists()
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["ben"]


def test_status_changes_are_logged_and_complete_is_one(staff_user):
    customer = create_customer(company="Acme")
    task = create_task(title="Review", customer=customer)
    assert change_task_status(task, Task.Status.IN_PROGRESS, actor=staff_user)
    assert not change_task_status(task, Task.Status.IN_PROGRESS, actor=staff_user)
    assert complete_task(task, actor=staff_user)
    texts = list(customer.activities.order_by("pk").values_list("text", flat=True))
    assert texts[-2:] == [
        "Task Review: Not started → In progress",
        "Task Review: In progress → Complete",
    ]
    assert not Task.objects.open().exists()
    with pytest.raises(ValueError):
        change_task_status(task, "nonsense", actor=staff_user)


def test_tasks_are_visible_through_what_they_are_about(staff_user, ben, django_user_model):
    private_of_ben = create_lead(name="Ben's", assigned=ben)
    public = create_lead(name="Public", is_public=True)
    hidden = create_task(title="about ben's lead", lead=private_of_ben)
    shown = {
        create_task(title="about a public lead", lead=public),
        create_task(title="about a customer", customer=create_customer(company="Acme")),
        create_task(title="nothing in particular"),
        create_task(title="assigned on ben's lead", lead=private_of_ben, assignees=[staff_user]),
        create_task(title="created on ben's lead", lead=private_of_ben, created_by=staff_user),
    }
    assert set(Task.objects.visible_to(staff_user)) == shown
    manager = django_user_model.objects.create_user("meg")
    manager.groups.add(Group.objects.get(name=ROLE_SALES_MANAGER))
    assert hidden in Task.objects.visible_to(manager)


def test_comments_tell_the_other_assignees(staff_user, ben):
    from clearcrm.tasks.services import add_comment

    task = create_task(title="Offer", assignees=[staff_user, ben])
    Notification.objects.all().delete()
    comment = add_comment(task, "Draft ready", author=staff_user)
    assert list(task.comments.all()) == [comment] and comment.author == staff_user
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["ben"]


def test_files_added_to_a_task_are_logged_on_what_it_is_about(staff_user):
    from clearcrm.attachments.models import NewFile
    from clearcrm.tasks.services import add_attachments

    lead = create_lead(name="Jane")
    task = create_task(title="Offer", lead=lead)
    added = add_attachments(task, [NewFile("offer.pdf", "application/pdf", b"%PDF")],
                            actor=staff_user)  # fmt: skip
    assert added == 1 and task.attachments.get().original_name == "offer.pdf"
    assert lead.activities.filter(text="Files added to task Offer: offer.pdf").exists()
