import re

import pytest
from django.urls import reverse

from xietong.cases.choices import CaseState
from xietong.lookup.choices import next_step
from xietong.notifications.backends import LocmemSmsBackend

pytestmark = pytest.mark.django_db

API = "/api/v1/lookup/status"


@pytest.fixture(autouse=True)
def outbox():
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


def code_in(outbox):
    return re.search(r"\d{6}", outbox[-1].text).group(0)


def test_api_known_and_unknown_numbers_look_the_same(client, world, outbox, django_capture_on_commit_callbacks):
    case = world.cases["bank"]
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(f"{API}/code", {"number": case.number}, content_type="application/json")
        unknown = client.post(
            f"{API}/code", {"number": "（2026）闽0802民诉前调99999号"}, content_type="application/json"
        )
    assert known.status_code == unknown.status_code == 202
    assert set(known.json()) == set(unknown.json()) == {"sent_to"}
    for r in (known, unknown):
        assert re.fullmatch(r"1\d\d\*{4}\d{4}", r.json()["sent_to"])
    assert known.json()["sent_to"] == world.persons["borrower"].phone_masked
    again = client.post(f"{API}/code", {"number": "（2026）闽0802民诉前调99999号"}, content_type="application/json")
    assert again.json() == unknown.json()  # stable, so repeating does not give it away
    assert len(outbox) == 1 and outbox[0].to == world.persons["borrower"].phone
    assert world.persons["borrower"].phone not in known.content.decode()


def test_api_wrong_code_then_right_code_shows_bare_state(client, world, outbox, django_capture_on_commit_callbacks):
    case = world.cases["bank"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{API}/code", {"number": case.number}, content_type="application/json")
    code = code_in(outbox)
    wrong = "000000" if code != "000000" else "111111"
    r = client.post(f"{API}/verify", {"number": case.number, "code": wrong}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "otp_invalid"
    r = client.post(f"{API}/verify", {"number": case.number, "code": code}, content_type="application/json")
    assert r.status_code == 200
    body = r.json()
    assert body == {
        "state": CaseState.TRIAGED.value,
        "state_label": body["state_label"],
        "next_step": next_step(CaseState.TRIAGED),
    }
    text = r.content.decode()
    assert world.persons["borrower"].name not in text and "12000" not in text
    # The code works once.
    r = client.post(f"{API}/verify", {"number": case.number, "code": code}, content_type="application/json")
    assert r.status_code == 400


def test_api_unknown_number_fails_like_a_wrong_code(client, world):
    r = client.post(f"{API}/verify", {"number": "nope", "code": "123456"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "otp_invalid"


def test_ascii_brackets_are_accepted(client, world, outbox, django_capture_on_commit_callbacks):
    number = world.cases["other_bank"].number.replace("（", "(").replace("）", ")")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{API}/code", {"number": number}, content_type="application/json")
    r = client.post(f"{API}/verify", {"number": number, "code": code_in(outbox)}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == CaseState.SUBMITTED


def test_web_status_check(client, world, outbox, django_capture_on_commit_callbacks):
    case = world.cases["other_bank"]
    page = client.get(reverse("status-check"))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(reverse("status-check"), {"number": "（2026）闽0802民诉前调424242号"}).content.decode()
    assert 'data-testid="status-code-form"' in html and not outbox
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(reverse("status-check"), {"number": case.number}).content.decode()
    assert 'data-testid="status-code-form"' in html and len(outbox) == 1
    assert world.persons["borrower"].phone_masked in html
    html = client.post(reverse("status-check"), {"number": case.number, "code": "12345x"}).content.decode()
    assert 'data-testid="status-result"' not in html
    html = client.post(
        reverse("status-check"), {"number": case.number, "code": code_in(outbox)}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'data-testid="status-result"' in html
    assert world.persons["borrower"].name not in html and str(case.total) not in html
