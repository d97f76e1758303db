"""The forms that validate mailboxes and rules (inbound.forms), as the CLI and UI use them."""

import pytest
from django.contrib.auth.models import User

from clearcrm.inbound.forms import AssignmentRuleForm, MailboxForm, SpamRuleForm, mailbox_data
from clearcrm.inbound.models import AssignmentRule, Mailbox

pytestmark = pytest.mark.django_db


def new_mailbox_data(**changes):
    data = mailbox_data(Mailbox())
    data.update(name="Sales", host="imap.example", login="sales@x.example", password="s3cret")
    data.update(changes)
    return data


def test_a_new_mailbox_gets_its_encryptions_port_and_inbox():
    form = MailboxForm(new_mailbox_data(encryption="starttls", port=None, folders=""))
    assert form.is_valid(), form.errors
    mailbox = form.save()
    assert (mailbox.port, mailbox.folders, mailbox.password) == (143, ["INBOX"], "s3cret")


def test_the_password_is_write_only():
    mailbox = MailboxForm(new_mailbox_data()).save()
    form = MailboxForm(mailbox_data(mailbox), instance=mailbox)
    assert "s3cret" not in form.as_p() and mailbox.password_encrypted not in form.as_p()
    assert form.is_valid(), form.errors
    assert form.save().password == "s3cret"  # left empty: kept
    new = MailboxForm({**mailbox_data(mailbox), "password": "n3w"}, instance=mailbox)
    assert new.is_valid() and new.save().password == "n3w"
    assert "password" in MailboxForm(new_mailbox_data(password="")).errors


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"check_every": 0}, "check_every"),
        ({"after_import": "move", "move_to": ""}, "__all__"),
        ({"notify": "staff"}, "notify_staff"),
        ({"notify": "roles"}, "notify_roles"),
        ({"encryption": "rot13"}, "encryption"),
    ],
)
def test_invalid_mailbox_settings(changes, field):
    form = MailboxForm(new_mailbox_data(**changes))
    assert not form.is_valid() and field in form.errors


def test_folders_from_text_and_phone_region_upper_cased():
    form = MailboxForm(new_mailbox_data(folders="INBOX\n Web \n\n", phone_region="de"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["folders"] == ["INBOX", "Web"]
    assert form.cleaned_data["phone_region"] == "DE"


def test_spam_rule_patterns_are_validated():
    form = SpamRuleForm({"type": "regex", "value": "(unclosed"})
    assert not form.is_valid() and "regular expression" in str(form.errors["value"])
    assert SpamRuleForm({"type": "domain", "value": "cheap.example"}).is_valid()


def test_assignment_rules_go_last_and_need_someone_to_assign():
    ana = User.objects.create_user("ana")
    first = AssignmentRuleForm({"name": "a", "active": True, "mode": "user", "assignee": ana.pk})
    assert first.is_valid(), first.errors
    assert first.save().position == 0
    second = AssignmentRuleForm({"name": "b", "active": True, "mode": "user", "assignee": ana.pk,
                                 "phone_country": "de"})  # fmt: skip
    rule = second.save()
    assert (rule.position, rule.phone_country) == (1, "DE")
    nobody = AssignmentRuleForm({"name": "c", "mode": "round_robin"})
    assert not nobody.is_valid() and "team" in nobody.errors
    assert set(AssignmentRule.CONDITIONS) <= set(AssignmentRuleForm.base_fields)
