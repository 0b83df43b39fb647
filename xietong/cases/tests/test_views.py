import re

import pytest
from django.urls import reverse

from xietong.audit.models import AuditEntry


def login(client, world, name):
    client.force_login(world.users[name])
    return client


def test_login_page_lists_demo_accounts_only_in_demo_mode(client, settings):
    settings.DEMO_MODE = False
    assert "demo-logins" not in client.get(reverse("login")).content.decode()


def test_anonymous_is_sent_to_login(client, db):
    r = client.get(reverse("home"))
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_clerk_list_masks_ids_and_phones(client, world):
    login(client, world, "clerk")
    html = client.get(reverse("home")).content.decode()
    borrower = world.persons["borrower"]
    assert borrower.name in html
    assert borrower.id_number not in html
    assert borrower.id_number_masked in html
    assert world.cases["other_court"].number not in html


def test_search_by_id_number_and_case_number(client, world):
    login(client, world, "clerk")
    html = client.get(reverse("home"), {"q": world.persons["villager"].id_number}).content.decode()
    assert world.cases["station"].number in html
    assert world.cases["bank"].number not in html
    html = client.get(reverse("home"), {"q": world.cases["bank"].number}).content.decode()
    assert len(re.findall('data-testid="case-row"', html)) == 1


def test_htmx_filter_returns_only_the_table(client, world):
    login(client, world, "clerk")
    r = client.get(reverse("home"), {"state": "triaged"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "<html" not in html
    assert world.cases["bank"].number in html
    assert world.cases["other_bank"].number not in html


def test_reveal_id_is_audited_and_refused_to_regulators(client, world):
    case = world.cases["bank"]
    party = case.parties.get(person__isnull=False)
    url = reverse("party-reveal", args=[case.pk, party.pk, "id"])
    login(client, world, "clerk")
    before = AuditEntry.objects.filter(action="person.view_id").count()
    r = client.post(url)
    assert r.status_code == 200
    assert party.person.id_number in r.content.decode()
    assert AuditEntry.objects.filter(action="person.view_id").count() == before + 1
    client.logout()
    login(client, world, "regulator")
    assert client.post(url).status_code == 403


def test_transition_from_page_and_illegal_step_message(client, world):
    case = world.cases["bank"]
    login(client, world, "clerk")
    r = client.post(reverse("case-transition", args=[case.pk]), {"code": "start_mediation"}, follow=True)
    case.refresh_from_db()
    assert case.state == "mediating"
    r = client.post(reverse("case-transition", args=[case.pk]), {"code": "confirm"}, follow=True)
    case.refresh_from_db()
    assert case.state == "mediating"
    assert r.status_code == 200
    assert "msg error" in r.content.decode()


@pytest.mark.parametrize("lang,text", [("zh-hans", "案件"), ("en", "Cases")])
def test_language_switch(client, world, lang, text):
    login(client, world, "clerk")
    client.post(reverse("set_language"), {"language": lang, "next": "/"})
    assert text in client.get(reverse("home")).content.decode()
