"""The leads table: search, filters in the URL, sorting, keyset pages, bulk actions, export,
and the new-lead form."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clearcrm.inbound.models import Mailbox
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from clearcrm.notifications.models import Notification
from clearcrm.web.views import leads as view
from tests.web.conftest import lead

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [row.name for row in response.context["page"].rows]


def test_newest_first_with_status_source_and_assignee(admin_client, rep):
    lead("Older", company="Acme", assigned=rep)
    lead("Newer")
    response = admin_client.get(reverse("leads"))
    assert names(response) == ["Newer", "Older"]
    page = response.content.decode()
    assert "Acme" in page and "Rita" in page and 'class="badge status status-' in page


def test_search_by_name_email_company_or_phone(admin_client):
    lead("Jane Doe", company="Acme GmbH", phone="+4930123456")
    lead("John Roe", email="john@other.example")
    for q in ("jane", "ACME", "3012345", "other.example"):
        found = names(admin_client.get(reverse("leads"), {"q": q}))
        assert found == (["John Roe"] if q == "other.example" else ["Jane Doe"]), q


def test_filters_stay_in_the_url_and_combine(admin_client, rep):
    contacted = LeadStatus.objects.get(name="Contacted")
    phone = LeadSource.objects.get(name="Phone")
    mailbox = Mailbox.objects.create(name="Sales", host="imap.example", login="s@example.com")
    lead("Match", status=contacted, source=phone, assigned=rep, is_public=True, mailbox=mailbox)
    lead("Wrong status", source=phone, assigned=rep, is_public=True, mailbox=mailbox)
    lead("Nobody's", status=contacted, source=phone, is_public=True, mailbox=mailbox)
    query = {"status": contacted.pk, "source": phone.pk, "assigned": rep.pk, "public": "yes",
             "mailbox": mailbox.pk}  # fmt: skip
    response = admin_client.get(reverse("leads"), query)
    assert names(response) == ["Match"]
    # Page links and the export keep the filters.
    assert f"status={contacted.pk}" in response.context["query_page"]
    assert names(admin_client.get(reverse("leads"), {"assigned": "none"})) == ["Nobody's"]


def test_assigned_to_me(rep, rep_client):
    lead("Mine", assigned=rep)
    lead("Public", is_public=True)
    assert names(rep_client.get(reverse("leads"), {"assigned": "me"})) == ["Mine"]


def test_lost_and_junk_are_hidden_unless_asked_for(admin_client):
    lead("Active")
    lost = lead("Gone")
    lost.is_lost = True
    lost.save()
    assert names(admin_client.get(reverse("leads"))) == ["Active"]
    assert names(admin_client.get(reverse("leads"), {"state": "lost"})) == ["Gone"]
    assert set(names(admin_client.get(reverse("leads"), {"state": "all"}))) == {"Active", "Gone"}


def test_created_date_range(admin_client):
    old = lead("Old")
    Lead.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=10))
    lead("New")
    today = timezone.localdate()
    since = {"created_from": str(today - timedelta(days=1))}
    assert names(admin_client.get(reverse("leads"), since)) == ["New"]
    until = {"created_to": str(today - timedelta(days=5))}
    assert names(admin_client.get(reverse("leads"), until)) == ["Old"]


def test_a_bad_filter_value_shows_the_error_next_to_the_field(admin_client):
    response = admin_client.get(reverse("leads"), {"created_from": "yesterday-ish"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


@pytest.mark.parametrize("sort", ["name", "-name", "company", "status", "-assigned",
                                  "last_contact", "-created"])  # fmt: skip
def test_every_sort_pages_through_every_lead_once(admin_client, rep, monkeypatch, sort):
    monkeypatch.setattr(view, "PAGE_SIZE", 3)
    for i in range(8):
        lead(f"Lead {i % 3} {i}", company=f"Co {i % 2}", assigned=rep if i % 2 else None)
    seen, url = [], f"{reverse('leads')}?sort={sort}"
    while url:
        response = admin_client.get(url)
        seen += names(response)
        cursor = response.context["page"].next_cursor
        url = f"{reverse('leads')}?sort={sort}&after={cursor}" if cursor else ""
    assert sorted(seen) == sorted(Lead.objects.values_list("name", flat=True))
    assert len(seen) == 8


def test_sorting_by_name_both_ways(admin_client):
    for name in ("Bea", "Ana", "Cy"):
        lead(name)
    assert names(admin_client.get(reverse("leads"), {"sort": "name"})) == ["Ana", "Bea", "Cy"]
    assert names(admin_client.get(reverse("leads"), {"sort": "-name"})) == ["Cy", "Bea", "Ana"]


def test_previous_page_returns_to_the_same_rows(admin_client, monkeypatch):
    monkeypatch.setattr(view, "PAGE_SIZE", 2)
    for i in range(5):
        lead(f"Lead {i}")
    first = admin_client.get(reverse("leads"))
    second = admin_client.get(reverse("leads"), {"after": first.context["page"].next_cursor})
    back = admin_client.get(reverse("leads"), {"before": second.context["page"].prev_cursor})
    assert names(back) == names(first)
    assert not set(names(first)) & set(names(second))


def test_a_forged_cursor_shows_the_first_page(admin_client):
    lead("Only")
    assert names(admin_client.get(reverse("leads"), {"after": "not-a-cursor"})) == ["Only"]


def test_the_count_is_capped_on_big_lists(admin_client, monkeypatch):
    monkeypatch.setattr(view, "PAGE_SIZE", 2)
    monkeypatch.setattr(view, "COUNT_CAP", 3)
    for i in range(5):
        lead(f"Lead {i}")
    response = admin_client.get(reverse("leads"))
    assert (response.context["total"], response.context["total_more"]) == (3, True)
    assert "More than 3 leads" in response.content.decode()


def test_empty_states(admin_client):
    assert "No leads yet" in admin_client.get(reverse("leads")).content.decode()
    lead("Someone")
    page = admin_client.get(reverse("leads"), {"q": "nobody-matches"}).content.decode()
    assert "No leads match these filters" in page


# ---------------------------------------------------------------------- bulk


def bulk(client, action, leads, value="", confirm=True):
    data = {"action": action, "ids": [x.pk for x in leads], "value": value, "next": "/leads/"}
    if confirm:
        data["confirm"] = "yes"
    return client.post(reverse("leads_bulk"), data)


def test_bulk_actions_ask_for_confirmation_first(admin_client):
    doomed = [lead("A"), lead("B")]
    response = bulk(admin_client, "delete", doomed, confirm=False)
    assert response.status_code == 200
    assert "Delete 2 leads?" in response.content.decode()
    assert Lead.objects.count() == 2
    assert bulk(admin_client, "delete", doomed).status_code == 302
    assert Lead.objects.count() == 0


def test_bulk_assign_logs_each_and_tells_the_assignee_once(admin, admin_client, rep):
    chosen = [lead("A"), lead("B"), lead("C")]
    bulk(admin_client, "assign", chosen, value=str(rep.pk))
    assert Lead.objects.filter(assigned=rep).count() == 3
    assert Notification.objects.filter(recipient=rep).count() == 1
    assert chosen[0].activities.filter(text__startswith="Assigned to").exists()


def test_bulk_status_lost_and_junk(admin_client):
    chosen = [lead("A"), lead("B")]
    qualified = LeadStatus.objects.get(name="Qualified")
    bulk(admin_client, "status", chosen, value=str(qualified.pk))
    assert set(Lead.objects.values_list("status", flat=True)) == {qualified.pk}
    bulk(admin_client, "lost", chosen[:1])
    bulk(admin_client, "junk", chosen[1:])
    assert Lead.objects.get(name="A").is_lost and Lead.objects.get(name="B").is_junk


def test_bulk_only_touches_leads_the_user_may_see(rep_client, private_lead):
    visible = lead("Public", is_public=True)
    bulk(rep_client, "delete", [visible, private_lead])
    assert list(Lead.objects.values_list("name", flat=True)) == ["Private Pat"]


def test_bulk_without_a_target_changes_nothing(admin_client):
    chosen = [lead("A")]
    response = bulk(admin_client, "assign", chosen, value="")
    assert response.status_code == 302 and Lead.objects.get().assigned is None


# -------------------------------------------------------------------- export


def exported(client, **query) -> list[dict]:
    response = client.get(reverse("leads_export"), query)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_follows_the_current_filter(admin_client):
    lead("Jane", company="Acme")
    lead("John", company="Other")
    rows = exported(admin_client, q="acme")
    assert [row["name"] for row in rows] == ["Jane"] and rows[0]["company"] == "Acme"


def test_export_defuses_spreadsheet_formulas(admin_client):
    lead('=HYPERLINK("http://evil.example")', company="+SUM(A1)")
    row = exported(admin_client)[0]
    assert row["name"].startswith("'=") and row["company"].startswith("'+")


# ------------------------------------------------------------------ new lead


def test_new_lead_form_creates_through_the_service(rep, rep_client, other_rep):
    response = rep_client.post(reverse("lead_new"), {
        "name": "Walk-in Wendy", "email": "wendy@example.org", "phone": "+49 30 1234567",
        "source": LeadSource.objects.get(name="Phone").pk, "assigned": other_rep.pk,
    })  # fmt: skip
    created = Lead.objects.get(name="Walk-in Wendy")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.created_by == rep and created.assigned == other_rep
    assert created.phone == "+49301234567" and created.phone_display == "+49 30 1234567"
    assert created.activities.get().text == "Lead created by Rita"
    assert Notification.objects.filter(recipient=other_rep).exists()


def test_new_lead_form_shows_errors_next_to_fields(rep_client):
    response = rep_client.post(reverse("lead_new"), {"name": "", "email": "not an address"})
    page = response.content.decode()
    assert response.status_code == 200 and page.count('class="field-error"') >= 2
    assert Lead.objects.count() == 0
