"""The `clearcrm` command line, run as a user runs it."""

import json

import pytest

from tests.conftest import clearcrm


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli")
    clearcrm(path, "migrate", "-v0")
    return path


def test_help_lists_every_command_with_a_description(data_dir):
    out = clearcrm(data_dir, "--help").stdout
    for name in ("run", "demo", "customer", "leads", "migrate", "createsuperuser"):
        line = next(line for line in out.splitlines() if line.strip().startswith(name + " "))
        assert len(line.split(None, 1)[1]) > 5, line


def test_demo_then_leads_list_json(data_dir):
    assert "Demo data ready" in clearcrm(data_dir, "demo").stdout
    leads = json.loads(clearcrm(data_dir, "leads", "list", "--json").stdout)
    assert len(leads) >= 10
    keys = {"id", "name", "email", "company", "phone", "status", "source", "assigned"}
    assert keys | {"is_public", "created"} <= set(leads[0])
    statuses = {lead["status"] for lead in leads}
    assert statuses == {"New", "Contacted", "Qualified", "Proposal sent", "Won", "Lost"}
    assert any(lead["assigned"] for lead in leads) and any(not lead["assigned"] for lead in leads)
    assert "already there" in clearcrm(data_dir, "demo").stdout


def test_customer_add(data_dir):
    out = clearcrm(
        data_dir, "customer", "add", "--company", "Acme Ltd",
        "--contact-email", "Bob.Stone@Acme.example", "--contact-name", "Bob Stone",
    ).stdout  # fmt: skip
    assert out.strip().isdigit()
    again = clearcrm(
        data_dir, "customer", "add", "--company", "Other",
        "--contact-email", "bob.stone@acme.EXAMPLE", check=False,
    )  # fmt: skip
    assert again.returncode != 0
    assert "already a contact" in again.stderr


def test_leads_list_plain(data_dir):
    out = clearcrm(data_dir, "leads", "list").stdout
    assert out.strip().endswith("lead(s)")
