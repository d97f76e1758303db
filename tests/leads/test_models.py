"""The lead queryset's rules: which leads are open, and who may see which."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from clearcrm.customers.models import Customer
from clearcrm.leads.models import Lead, LeadSource, LeadStatus
from clearcrm.staff.models import ROLE_ADMIN, ROLE_SALES_MANAGER, ROLE_SALES_REP

pytestmark = pytest.mark.django_db


def lead(name: str, **fields) -> Lead:
    return Lead.objects.create(
        name=name, status=LeadStatus.default(), source=LeadSource.default(), **fields
    )


@pytest.fixture
def people(django_user_model):
    def user(name: str, role: str | None = None, **extra):
        u = django_user_model.objects.create_user(name, f"{name}@example.com", **extra)
        if role:
            u.groups.add(Group.objects.get(name=role))
        return u

    return {
        "rep": user("rep", ROLE_SALES_REP),
        "other": user("other", ROLE_SALES_REP),
        "manager": user("manager", ROLE_SALES_MANAGER),
        "admin": user("admin", ROLE_ADMIN),
        "root": user("root", is_superuser=True),
    }


def test_reps_see_their_own_created_and_public_leads_only(people):
    rep, other = people["rep"], people["other"]
    mine = lead("mine", assigned=rep)
    created = lead("created", created_by=rep, assigned=other)
    public = lead("public", is_public=True, assigned=other)
    lead("private of other", assigned=other)
    lead("unassigned")
    visible = set(Lead.objects.visible_to(rep).values_list("name", flat=True))
    assert visible == {mine.name, created.name, public.name}


@pytest.mark.parametrize("who", ["manager", "admin", "root"])
def test_admins_and_managers_see_every_lead(people, who):
    lead("private of other", assigned=people["other"])
    lead("unassigned")
    assert Lead.objects.visible_to(people[who]).count() == 2


def test_anonymous_sees_nothing(people):
    lead("public", is_public=True)
    assert not Lead.objects.visible_to(AnonymousUser()).exists()


def test_open_leads_exclude_lost_junk_and_converted():
    customer = Customer.objects.create(company="Acme")
    lead("open")
    lead("lost", is_lost=True)
    lead("junk", is_junk=True)
    lead("converted", customer=customer)
    assert list(Lead.objects.open().values_list("name", flat=True)) == ["open"]
