"""The kanban: columns in the configured order with counts, cards, moves (htmx and
plain form), more cards per column, the table's filters."""

import pytest
from django.urls import reverse

from clearcrm.leads.models import LeadStatus
from clearcrm.web.views import kanban as view
from tests.web.conftest import email, lead

pytestmark = pytest.mark.django_db


def columns(response) -> dict[str, list[str]]:
    return {c.status.name: [card.name for card in c.cards] for c in response.context["columns"]}


def test_one_column_per_status_in_order_with_counts(admin_client, rep):
    contacted = LeadStatus.objects.get(name="Contacted")
    lead("Nina New", company="Acme", assigned=rep)
    lead("Carl Contacted", status=contacted)
    response = admin_client.get(reverse("kanban"))
    got = response.context["columns"]
    assert [c.status.name for c in got] == list(LeadStatus.objects.values_list("name", flat=True))
    assert columns(response)["New"] == ["Nina New"]
    assert columns(response)["Contacted"] == ["Carl Contacted"]
    assert [c.count for c in got][:2] == [1, 1]
    page = response.content.decode()
    assert "Acme" in page and 'title="Rita">R<' in page  # the assignee's initials


def test_a_card_shows_the_first_line_that_says_something(admin_client):
    someone = lead("Sam")
    email(someone, text="Hello Ana,\n\nWe need a quote for 40 seats.\nThanks")
    assert "We need a quote for 40 seats." in admin_client.get(reverse("kanban")).content.decode()


def test_moving_a_card_through_htmx_saves_logs_and_updates_both_counts(admin_client):
    card = lead("Mover")
    new, contacted = LeadStatus.objects.get(name="New"), LeadStatus.objects.get(name="Contacted")
    response = admin_client.post(reverse("lead_move", args=[card.pk]), {"status": contacted.pk},
                                 HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200 and response["HX-Reswap"] == "delete"
    page = response.content.decode()
    assert f'hx-swap-oob="afterbegin:#cards-{contacted.pk}"' in page and "Mover" in page
    assert f'id="count-{contacted.pk}" hx-swap-oob="true">1<' in page
    assert f'id="count-{new.pk}" hx-swap-oob="true">0<' in page
    card.refresh_from_db()
    assert card.status == contacted
    assert card.activities.filter(text="Status changed from New to Contacted").exists()


def test_the_move_menu_works_without_javascript(admin_client):
    card = lead("Mover")
    qualified = LeadStatus.objects.get(name="Qualified")
    response = admin_client.post(reverse("lead_move", args=[card.pk]) + "?q=Mov",
                                 {"status": qualified.pk})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("kanban") + "?q=Mov"
    card.refresh_from_db()
    assert card.status == qualified


def test_every_card_has_a_move_menu_without_its_own_column(admin_client):
    lead("Mover")
    page = admin_client.get(reverse("kanban")).content.decode()
    menu = page[page.index('<details class="move">') :]
    menu = menu[: menu.index("</details>")]
    assert "Contacted" in menu and ">New<" not in menu


def test_columns_load_more_cards(admin_client, monkeypatch):
    monkeypatch.setattr(view, "CARDS_PER_COLUMN", 2)
    for i in range(5):
        lead(f"Lead {i}")
    board = admin_client.get(reverse("kanban"))
    first = board.context["columns"][0]
    assert len(first.cards) == 2 and first.more and first.count == 5
    more = admin_client.get(reverse("kanban_column", args=[first.status.pk]), {"after": first.more})
    assert [c.name for c in more.context["cards"]] == ["Lead 2", "Lead 1"]
    assert 'hx-trigger="revealed, click"' in more.content.decode()


def test_the_tables_filters_apply(admin_client, rep):
    lead("Mine", assigned=rep)
    lead("Other")
    response = admin_client.get(reverse("kanban"), {"assigned": rep.pk})
    assert columns(response)["New"] == ["Mine"]
    assert f"assigned={rep.pk}" in response.context["query"]


def test_queries_do_not_grow_with_the_cards(admin_client, django_assert_max_num_queries):
    for i in range(30):
        email(lead(f"Lead {i}"), message_id=f"<k{i}@example.org>")
    statuses = LeadStatus.objects.count()
    with django_assert_max_num_queries(10 + 3 * statuses):
        admin_client.get(reverse("kanban"))
