"""`clearcrm spam`, `clearcrm rules` and the notification options of `clearcrm mailbox`."""

import json

import pytest

from tests.conftest import clearcrm


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("rules-cli")
    clearcrm(data_dir, "migrate", "-v0")
    clearcrm(data_dir, "demo")  # staff ana, ben, chloe, david

    def run(*args, check=True, **env):
        return clearcrm(data_dir, *args, check=check, **env)

    run(
        "mailbox", "add", "--name", "Sales", "--host", "imap.example.com", "--login", "s@x.example",
        "--password-env", "PW", PW="secret",
    )  # fmt: skip
    return run


def test_spam_add_list_remove(cli):
    rule_id = cli("spam", "add", "--type", "domain", "--value", "cheap.example").stdout.strip()
    cli(
        "spam",
        "add",
        "--type",
        "sender",
        "--value",
        "ok@cheap.example",
        "--allow",
        "--mailbox",
        "1",
    )
    rules = json.loads(cli("spam", "list", "--json").stdout)
    assert [(r["type"], r["value"], r["allow"], r["mailbox"]) for r in rules] == [
        ("domain", "cheap.example", False, None),
        ("sender", "ok@cheap.example", True, 1),
    ]
    cli("spam", "remove", rule_id)
    assert len(json.loads(cli("spam", "list", "--json").stdout)) == 1


def test_spam_regex_is_validated(cli):
    bad = cli("spam", "add", "--type", "regex", "--value", "(unclosed", check=False)
    assert bad.returncode != 0 and "regular expression" in bad.stderr


def test_rules_add_list_remove(cli):
    first = cli(
        "rules", "add", "--mailbox", "1", "--name", "German enquiries",
        "--sender-domain", "acme.de", "--to", "sales-de@x.example", "--assign", "ana",
        "--set-status", "Qualified", "--public",
    ).stdout.strip()  # fmt: skip
    cli("rules", "add", "--mailbox", "1", "--name", "Team", "--assign-round-robin", "ben,chloe")
    cli("rules", "add", "--name", "Everyone else", "--assign-least-busy", "ana,ben,chloe,david")
    rules = json.loads(cli("rules", "list", "--json").stdout)
    german = next(r for r in rules if r["name"] == "German enquiries")
    assert german["conditions"] == {"sender_domain": "acme.de", "to": "sales-de@x.example"}
    assert (german["mode"], german["assignee"], german["set_status"], german["set_public"]) == (
        "user", "ana", "Qualified", True,
    )  # fmt: skip
    team = next(r for r in rules if r["name"] == "Team")
    assert (team["mode"], team["team"], team["position"]) == ("round_robin", ["ben", "chloe"], 1)
    assert next(r for r in rules if r["name"] == "Everyone else")["mailbox"] is None
    assert "German enquiries" in cli("rules", "list").stdout
    cli("rules", "remove", first)
    assert len(json.loads(cli("rules", "list", "--json").stdout)) == 2


def test_rules_need_known_staff(cli):
    bad = cli("rules", "add", "--name", "x", "--assign", "nobody-here", check=False)
    assert bad.returncode != 0 and "nobody-here" in bad.stderr


def test_mailbox_notification_options(cli):
    cli("mailbox", "update", "1", "--no-notify-imported", "--notify", "staff:ana,ben")
    box = json.loads(cli("mailbox", "list", "--json").stdout)[0]
    assert (box["notify_imported"], box["notify_lead_writes_again"]) == (False, True)
    assert (box["notify"], box["notify_staff"]) == ("staff", ["ana", "ben"])
    cli("mailbox", "update", "1", "--notify-imported", "--notify", "roles:Sales rep")
    box = json.loads(cli("mailbox", "list", "--json").stdout)[0]
    assert (box["notify_imported"], box["notify"], box["notify_roles"]) == (
        True, "roles", ["Sales rep"],
    )  # fmt: skip
    cli(
        "mailbox",
        "update",
        "1",
        "--notify",
        "responsible",
        "--import-list-mail",
        "--rate-limit",
        "5",
    )
    box = json.loads(cli("mailbox", "list", "--json").stdout)[0]
    assert (box["notify"], box["import_list_mail"], box["rate_limit"]) == ("responsible", True, 5)
    bad = cli("mailbox", "update", "1", "--notify", "everyone", check=False)
    assert bad.returncode != 0 and "--notify takes" in bad.stderr
