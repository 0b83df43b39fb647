import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xietong.cases.choices import Door
from xietong.cases.models import Case
from xietong.intake.models import Application, Attachment
from xietong.notifications.backends import LocmemSmsBackend
from xietong.parties.models import Person

from .helpers import NEW_ID, PDF, exe_as_pdf, form_data, pdf

pytestmark = pytest.mark.django_db

PAGES = {
    "intake-apply": {"party", "stranger"},
    "intake-apply-relative": {"party", "stranger"},
    "intake-counter": {"admin", "clerk"},
    "intake-station": {"station"},
}
ROLES = ["admin", "clerk", "judge", "mediator", "bank", "regulator", "station", "party", "stranger"]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_intake_page_opens_only_for_its_roles(client, world, name):
    url = reverse(name)
    r = client.get(url)
    assert r.status_code == 302 and reverse("login") in r["Location"]
    for role in ROLES:
        client.force_login(world.users[role])
        r = client.get(url)
        assert r.status_code == (200 if role in PAGES[name] else 403), role
        if r.status_code == 200:
            assert 'name="client_token"' in r.content.decode()
        # Posting is refused just the same.
        r = client.post(url, form_data(world))
        assert (r.status_code == 403) == (role not in PAGES[name]), role
    client.logout()


def submit(client, world, url="intake-apply", files=None, **over):
    data = form_data(world, **over)
    data.update(files or {"attachments": [pdf()]})
    return client.post(reverse(url), data), data


def test_citizen_applies_and_sees_the_new_case_numbers(client, world):
    client.force_login(world.users["party"])
    r, data = submit(client, world)
    assert r.status_code == 302 and "done=" in r["Location"]
    page = client.get(r["Location"]).content.decode()
    app = Application.objects.get(client_token=data["client_token"])
    numbers = [c.number for c in app.cases.all()]
    assert len(numbers) == 2 and all(n in page for n in numbers)
    assert 'data-testid="new-case-number"' in page
    # Another user cannot open this result.
    client.force_login(world.users["stranger"])
    assert client.get(r["Location"]).status_code == 404


def test_double_clicked_submit_opens_the_cases_once(client, world):
    client.force_login(world.users["party"])
    before = Case.objects.count()
    first, data = submit(client, world)
    second = client.post(reverse("intake-apply"), {**data, "attachments": [pdf()]})
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Case.objects.count() == before + 2
    assert Application.objects.filter(client_token=data["client_token"]).count() == 1


@pytest.mark.parametrize(
    ("over", "files", "field", "message"),
    [
        ({"principal": "-5"}, None, "principal", "cannot be negative"),
        ({"interest": "1,2,3"}, None, "interest", "1,234.50"),
        ({}, {"attachments": [exe_as_pdf()]}, "attachments", "not a PDF, JPG or PNG"),
        ({"party_id_number": "350802199203070016"}, None, "party_id_number", "check digit"),
    ],
)
def test_bad_input_shows_a_message_and_writes_nothing(client, world, over, files, field, message):
    client.force_login(world.users["stranger"])  # no person yet: asked for name, ID and phone
    base = {"party_name": "路人", "party_id_number": NEW_ID, "party_phone": "13900000003"}
    before = (Case.objects.count(), Application.objects.count(), Attachment.objects.count(), Person.objects.count())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    r, _ = submit(client, world, files=files, **{**base, **over})
    assert r.status_code == 200
    html = r.content.decode()
    assert message in html
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="form-errors"' in html
    assert (
        Case.objects.count(),
        Application.objects.count(),
        Attachment.objects.count(),
        Person.objects.count(),
    ) == before


def test_sixty_megabytes_through_the_page(client, world):
    client.force_login(world.users["party"])
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (60 * 1024 * 1024), content_type="application/pdf")
    before = Case.objects.count()
    r, _ = submit(client, world, files={"attachments": [big]})
    assert r.status_code == 200 and 'data-testid="error-attachments"' in r.content.decode()
    assert Case.objects.count() == before


def test_relative_page_files_for_the_relative(client, world):
    client.force_login(world.users["party"])
    extra = {
        "relative_name": "黄老三",
        "relative_id_number": NEW_ID,
        "relative_phone": "+62 812 3456 7890",
        "relative_country": "ID",
        "relative_address": "Jl. Sudirman 1, Jakarta",
        "relationship": "sibling",
        "reason": "abroad",
    }
    r, data = submit(
        client,
        world,
        url="intake-apply-relative",
        files={"attachments": [pdf()], "authorisation_document": pdf("auth.pdf")},
        institutions=[world.bank],
        **extra,
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    case = Application.objects.get(client_token=data["client_token"]).cases.get()
    party = case.parties.get(person__isnull=False)
    assert party.person.id_number == NEW_ID and party.agent == world.persons["relative"]
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 200
    client.force_login(world.users["stranger"])
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 404


def staff_data(world, **over):
    base = {
        "party_name": "林阿公",
        "party_id_number": NEW_ID,
        "party_phone": "13900000004",
        "party_address": "小池镇培斜村",
        "party_country": "CN",
        "institutions": [world.other_bank],
    }
    return form_data(world, **{**base, **over})


@pytest.mark.parametrize(
    ("role", "url", "door"), [("clerk", "intake-counter", Door.COUNTER), ("station", "intake-station", Door.STATION)]
)
def test_counter_and_station_record_their_door(client, world, role, url, door):
    client.force_login(world.users[role])
    data = staff_data(world)
    r = client.post(reverse(url), data)
    assert r.status_code == 302
    case = Application.objects.get(client_token=data["client_token"]).cases.get()
    assert case.door == door
    assert (case.station == world.station) == (door == Door.STATION)
    assert case.number in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize(
    ("role", "url", "follow"),
    [
        ("party", "intake-apply", "my-cases"),
        ("station", "intake-station", "home"),
        ("clerk", "intake-counter", "case-detail"),
    ],
)
def test_the_confirmation_is_titled_and_sends_each_filer_to_a_page_they_may_open(client, world, role, url, follow):
    client.force_login(world.users[role])
    data = staff_data(world) if role != "party" else {**form_data(world, institutions=[world.bank])}
    r = client.post(reverse(url), data)
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "<h1>申请已提交</h1>" in page and "提交日期" not in page
    link = re.search(r'href="([^"]+)" data-testid="where-next-link"', page).group(1)
    case = Application.objects.get(client_token=data["client_token"]).cases.get()
    assert link == (reverse(follow, args=[case.pk]) if follow == "case-detail" else reverse(follow))
    opened = client.get(link, follow=True)
    assert opened.status_code == 200 and case.number in opened.content.decode()


def code(outbox):
    return re.search(r"\d{6}", outbox[-1].text).group()


def test_register_page_two_steps(client, world, django_capture_on_commit_callbacks):
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("intake-register"),
            {
                "name": "陈新",
                "id_number": NEW_ID,
                "phone": "13911112222",
                "password1": "Longer-Pass-2026",
                "password2": "Longer-Pass-2026",
            },
        )
    assert r.status_code == 200 and 'name="code"' in r.content.decode()
    r = client.post(reverse("intake-register"), {"step": "code", "code": code(LocmemSmsBackend.outbox)})
    assert r.status_code == 302 and r["Location"] == reverse("intake-apply")
    assert client.get(reverse("intake-apply")).status_code == 200
    assert Person.objects.get(id_number=NEW_ID).user.username == "13911112222"


def test_claim_page_links_a_new_account(client, world, django_capture_on_commit_callbacks):
    LocmemSmsBackend.outbox.clear()
    case, villager = world.cases["station"], world.persons["villager"]
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("intake-claim"), {"number": case.number, "phone": villager.phone})
    assert r.status_code == 200 and 'data-testid="claim-code-sent"' in r.content.decode()
    r = client.post(
        reverse("intake-claim"),
        {
            "step": "code",
            "code": code(LocmemSmsBackend.outbox),
            "password1": "Longer-Pass-2026",
            "password2": "Longer-Pass-2026",
        },
    )
    assert r.status_code == 302
    assert case.number in client.get(reverse("home"), follow=True).content.decode()


def test_claim_with_unknown_details_answers_the_same_and_sends_nothing(
    client, world, django_capture_on_commit_callbacks
):
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("intake-claim"), {"number": world.cases["station"].number, "phone": "13900009999"})
    assert r.status_code == 200 and 'data-testid="claim-code-sent"' in r.content.decode()
    assert LocmemSmsBackend.outbox == []
