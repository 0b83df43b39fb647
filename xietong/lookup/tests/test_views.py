import re

import pytest
from django.urls import reverse

from xietong.audit.models import AuditEntry
from xietong.cases.models import Case
from xietong.lookup.models import OverdueDebt

from .helpers import FRESH_ID, add_story1_borrower

pytestmark = pytest.mark.django_db


def as_user(client, world, name):
    client.force_login(world.users[name])
    return client


def test_clerk_looks_up_and_opens_three_cases(client, world):
    _person, debts = add_story1_borrower(world)
    as_user(client, world, "clerk")
    html = client.post(reverse("lookup"), {"id_number": FRESH_ID}).content.decode()
    assert html.count('data-testid="debt-row"') == 3
    assert 'data-testid="not-sued"' in html
    assert "建设银行龙岩分行" in html and "中国邮政储蓄银行龙岩市分行" in html
    r = client.post(reverse("lookup-open"), {"id_number": FRESH_ID, "debts": [d.pk for d in debts]})
    assert r.status_code == 200
    html = r.content.decode()
    numbers = re.findall(r'data-testid="opened-case">([^<]+)<', html)
    assert len(numbers) == 3 and all("民诉前调" in n for n in numbers)
    assert set(OverdueDebt.objects.values_list("case__number", flat=True)) == set(numbers)
    # A double-clicked submit opens nothing more and says why.
    n = Case.objects.count()
    html = client.post(reverse("lookup-open"), {"id_number": FRESH_ID, "debts": [d.pk for d in debts]}).content.decode()
    assert Case.objects.count() == n
    assert 'class="msg error"' in html


def test_open_refuses_a_debt_of_another_person(client, world):
    _person, debts = add_story1_borrower(world)
    as_user(client, world, "clerk")
    borrower_id = world.persons["borrower"].id_number
    n = Case.objects.count()
    r = client.post(reverse("lookup-open"), {"id_number": borrower_id, "debts": [debts[0].pk]})
    assert r.status_code == 200 and Case.objects.count() == n
    assert 'class="msg error"' in r.content.decode()


def test_bad_id_number_gets_a_clear_message_and_no_audit(client, world):
    as_user(client, world, "judge")
    n = AuditEntry.objects.filter(action="person.lookup").count()
    with_lang = client.post(reverse("lookup"), {"id_number": "350802198003150017"}, HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="lookup-error"' in with_lang.content.decode()
    assert AuditEntry.objects.filter(action="person.lookup").count() == n


def test_lookup_with_nothing_found_is_audited(client, world):
    as_user(client, world, "admin")
    html = client.post(reverse("lookup"), {"id_number": "110101199003070011"}).content.decode()
    assert 'data-testid="lookup-none"' in html
    entry = AuditEntry.objects.filter(action="person.lookup").order_by("-seq").first()
    assert entry.actor_id == world.users["admin"].pk and entry.after["found"] is False


@pytest.mark.parametrize("role", ["bank", "other_bank", "mediator", "regulator", "station", "party"])
def test_lookup_page_refused(client, world, role):
    as_user(client, world, role)
    assert client.get(reverse("lookup")).status_code == 403
    r = client.post(reverse("lookup"), {"id_number": world.persons["borrower"].id_number})
    assert r.status_code == 403
    assert world.persons["borrower"].name not in r.content.decode()


def test_judge_may_look_up_but_not_open(client, world):
    _person, debts = add_story1_borrower(world)
    as_user(client, world, "judge")
    html = client.post(reverse("lookup"), {"id_number": FRESH_ID}).content.decode()
    assert 'data-testid="debt-row"' in html and 'data-testid="open-form"' not in html
    assert client.post(reverse("lookup-open"), {"id_number": FRESH_ID, "debts": [debts[0].pk]}).status_code == 403
    assert not OverdueDebt.objects.filter(case__isnull=False).exists()


def test_party_sees_only_themself(client, world):
    as_user(client, world, "party")  # 黄小明, acting for his brother
    html = client.get(reverse("my-lookup")).content.decode()
    assert world.persons["relative"].name in html
    assert html.count('data-testid="lookup-case-row"') == 2  # the cases he acts in
    assert world.persons["other"].name not in html and 'data-testid="open-form"' not in html
    as_user(client, world, "stranger")
    assert 'data-testid="lookup-no-person"' in client.get(reverse("my-lookup")).content.decode()


def test_my_cases_and_case_page_say_state_and_next_step(client, world):
    as_user(client, world, "party")
    html = client.get(reverse("my-cases"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('data-testid="my-case"') == 2
    assert world.cases["other_court"].number not in html
    html = client.get(reverse("case-detail", args=[world.cases["other_bank"].pk])).content.decode()
    assert 'data-testid="next-step"' in html
    as_user(client, world, "clerk")
    html = client.get(reverse("case-detail", args=[world.cases["other_bank"].pk])).content.decode()
    assert 'data-testid="next-step"' not in html
    assert client.get(reverse("my-cases")).status_code == 403
