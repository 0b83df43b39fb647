"""Staff override the triage: who may, with a reason, audited, history kept; the case page shows it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support.world import PASSWORD
from xietong.accounts.choices import Role
from xietong.accounts.services import user_create
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM
from xietong.cases.choices import CaseState, Channel, Track
from xietong.cases.models import Category, Team
from xietong.cases.services import case_start_mediation
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.triage.models import TriageDecision
from xietong.triage.services import case_auto_triage, case_triage_override

from .factories import make_case, make_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def triaged(world):
    make_rule(name="默认可调解", set_channel=Channel.MEDIABLE)
    case = make_case(world)
    case_auto_triage(case=case, actor=SYSTEM)
    case.refresh_from_db()
    return case


def override(case, actor, reason="当事人均在境外，转群体性风险", **kw):
    args = {"category": None, "channel": Channel.GROUP_RISK, "track": Track.FAST, "team": None, **kw}
    return case_triage_override(case=case, actor=actor, reason=reason, **args)


def test_clerk_overrides_with_a_reason_audited_and_history_kept(world, triaged):
    red = Category.objects.create(name="青年创业金", code="youth", colour="red")
    team = Team.objects.create(name="调裁一体团队", kind="integrated", court=world.court)
    override(triaged, world.users["clerk"], category=red, team=team)
    triaged.refresh_from_db()
    assert (triaged.channel, triaged.track, triaged.category, triaged.team) == (Channel.GROUP_RISK, "fast", red, team)
    decisions = list(TriageDecision.objects.filter(case=triaged).order_by("at", "pk"))
    assert [d.kind for d in decisions] == ["auto", "override"]
    assert decisions[0].channel == Channel.MEDIABLE  # the first decision is kept as it was
    assert decisions[1].reason == "当事人均在境外，转群体性风险" and decisions[1].actor == world.users["clerk"]
    entry = AuditEntry.objects.filter(action="triage.override", object_id=str(triaged.pk)).last()
    assert entry.after["triage"] == "override" and entry.after["reason"] == decisions[1].reason
    assert entry.before["channel"] == "mediable" and entry.after["channel"] == "group_risk"
    assert entry.actor_id == world.users["clerk"].pk


def test_works_in_later_open_states(world, triaged):
    from xietong.cases.services import case_assign_mediator

    case_assign_mediator(case=triaged, actor=world.users["clerk"], mediator=world.users["mediator"])
    case_start_mediation(case=triaged, actor=world.users["mediator"])
    override(triaged, world.users["admin"])
    triaged.refresh_from_db()
    assert triaged.state == CaseState.MEDIATING and triaged.channel == Channel.GROUP_RISK


def test_clerk_of_another_court_is_refused(world, triaged):
    stranger = user_create(
        actor=SYSTEM, username="clerk2", password=PASSWORD, role=Role.CLERK, organisation=world.other_court
    )
    with pytest.raises(NotFound):
        override(triaged, stranger)
    triaged.refresh_from_db()
    assert triaged.channel == Channel.MEDIABLE
    assert TriageDecision.objects.filter(case=triaged).count() == 1


@pytest.mark.parametrize("role", ["mediator", "judge", "bank", "party", "regulator"])
def test_other_roles_are_refused(world, triaged, role):
    with pytest.raises(NotAllowed):
        override(triaged, world.users[role])
    triaged.refresh_from_db()
    assert triaged.channel == Channel.MEDIABLE


@pytest.mark.parametrize("reason", ["", "   "])
def test_empty_reason_is_refused(world, triaged, reason):
    with pytest.raises(DomainError) as exc:
        override(triaged, world.users["clerk"], reason=reason)
    assert exc.value.code == "reason_required"
    assert TriageDecision.objects.filter(case=triaged).count() == 1


def test_submitted_case_and_foreign_team_are_refused(world, triaged):
    submitted = world.cases["other_bank"]
    with pytest.raises(DomainError) as exc:
        override(submitted, world.users["clerk"])
    assert exc.value.code == "illegal_state"
    foreign = Team.objects.create(name="永定团队", kind="trial", court=world.other_court)
    with pytest.raises(DomainError) as exc:
        override(triaged, world.users["admin"], team=foreign)
    assert exc.value.code == "team_court"


def test_case_page_shows_rule_and_reasons_and_the_form_to_staff_only(client, world, triaged):
    url = reverse("case-detail", args=[triaged.pk])
    client.force_login(world.users["clerk"])
    html = client.get(url).content.decode()
    assert 'data-testid="triage"' in html and "默认可调解" in html
    assert 'data-testid="triage-override"' in html
    client.force_login(world.users["judge"])
    html = client.get(url).content.decode()
    assert "默认可调解" in html and 'data-testid="triage-override"' not in html


def test_override_form_posts_and_refuses_an_empty_reason(client, world, triaged):
    url = reverse("triage-override", args=[triaged.pk])
    client.force_login(world.users["clerk"])
    r = client.post(url, {"channel": "group_risk", "track": "normal", "reason": "  "}, follow=True)
    assert TriageDecision.objects.filter(case=triaged).count() == 1
    assert "reason" in r.content.decode().lower() or "理由" in r.content.decode()
    r = client.post(url, {"channel": "group_risk", "track": "normal", "reason": "涉众风险"})
    assert r.status_code == 302
    triaged.refresh_from_db()
    assert triaged.channel == "group_risk"
    html = client.get(reverse("case-detail", args=[triaged.pk])).content.decode()
    assert "涉众风险" in html and 'data-testid="triage-history"' in html
    client.force_login(world.users["mediator"])
    assert client.post(url, {"channel": "mediable", "track": "normal", "reason": "x"}).status_code == 403
