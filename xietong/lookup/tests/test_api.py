import pytest

from xietong.audit.models import AuditEntry

from .helpers import FRESH_ID, add_story1_borrower

pytestmark = pytest.mark.django_db


def url(id_number):
    return f"/api/v1/lookup/persons/{id_number}"


def test_staff_lookup_api(client, world):
    _person, _debts = add_story1_borrower(world)
    client.force_login(world.users["clerk"])
    n = AuditEntry.objects.filter(action="person.lookup").count()
    r = client.get(url(FRESH_ID))
    assert r.status_code == 200
    body = r.json()
    assert body["found"] and body["name"] == "邱春兰" and body["any_sued"] is False
    assert len(body["debts"]) == 3 and body["cases"] == []
    assert FRESH_ID not in r.content.decode()  # masked in the answer
    assert all(d["contract_masked"].startswith("*") for d in body["debts"])
    assert AuditEntry.objects.filter(action="person.lookup").count() == n + 1


def test_lookup_api_shows_cases_as_agent(client, world):
    client.force_login(world.users["judge"])
    body = client.get(url(world.persons["relative"].id_number)).json()
    assert len(body["cases"]) == 2 and all(c["as_agent"] for c in body["cases"])


def test_lookup_api_bad_id_is_a_400_in_the_common_format(client, world):
    client.force_login(world.users["admin"])
    r = client.get(url("350802198003150017"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "id_number"


@pytest.mark.parametrize("role", ["bank", "mediator", "regulator", "party", "station"])
def test_lookup_api_refused(client, world, role):
    client.force_login(world.users[role])
    r = client.get(url(world.persons["borrower"].id_number))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role"
    assert world.persons["borrower"].name not in r.content.decode()


def test_institution_tokens_are_refused(client, world):
    r = client.get(url(world.persons["borrower"].id_number), HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    assert r.status_code == 403
    assert client.get(url(world.persons["borrower"].id_number)).status_code == 401
