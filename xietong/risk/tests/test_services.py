"""Counting, detection, dedupe and re-notification, and the warnings' workflow with bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.services import organisation_create, user_create
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.services import PersonParty, case_create
from xietong.core.errors import DomainError, NotAllowed, NotFound
from xietong.parties.services import person_create
from xietong.risk.choices import Detector, Dimension, Resolution, WarningState
from xietong.risk.counting import count_days, risk_counts_rebuild, risk_counts_rollup
from xietong.risk.models import DailyCount, RiskWarning, WarningNotice, WarningStep
from xietong.risk.services import named_respondent_record, risk_detect, warning_step

TODAY = dt.date(2026, 11, 30)


def fake_id(i: int) -> str:
    """A valid resident ID number (GB 11643 check character) for the i-th simulated villager."""
    body = f"350802199{i // 1000 % 10}{(i // 100) % 12 + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"[:17]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(a) * w for a, w in zip(body, weights, strict=True)) % 11]
    return body + check


def villager(i: int, region: str = "福建省龙岩市新罗区小池镇"):
    return person_create(
        actor=SYSTEM,
        name=f"村民{i}",
        id_number=fake_id(i),
        addresses=[{"kind": "residence", "country": "CN", "region": region, "line": f"{i}号"}],
    )


def dispute(world, person, *, institution=None, door=Door.ONLINE, at=None, product=Product.OTHER):
    return case_create(
        actor=SYSTEM,
        court=world.court,
        institution=institution,
        product=product,
        door=door,
        persons=[PersonParty(person=person, role=PartyRole.APPLICANT)],
        principal=Decimal("50000.00"),
        submitted_at=at or timezone.make_aware(dt.datetime.combine(TODAY, dt.time(10))),
    )


def simulate(dimension: str, key: str, counts, *, last: dt.date = TODAY, label: str = "") -> None:
    """Daily counts written directly: the detector reads only these."""
    first = last - dt.timedelta(days=len(counts) - 1)
    DailyCount.objects.bulk_create(
        DailyCount(
            day=first + dt.timedelta(days=i),
            dimension=dimension,
            key=key,
            label=label or key,
            cases=int(c),
            claimants=int(c),
        )
        for i, c in enumerate(counts)
        if c
    )


@pytest.mark.django_db
def test_counts_strata_claimants_and_own_deliveries_apart(world):
    a, b = villager(1), villager(2, region="福建省龙岩市永定区")
    dispute(world, a, institution=world.bank)
    dispute(world, b, institution=world.bank)
    dispute(world, a, institution=world.bank, door=Door.API)  # the bank's own delivery
    company = dispute(world, b)
    named_respondent_record(actor=SYSTEM, case=company, name="龙岩某某投资有限公司")
    rows = {(r.dimension, r.key): r for r in count_days(TODAY, TODAY)}
    inst = rows[(Dimension.INSTITUTION, str(world.bank.pk))]
    assert (inst.cases, inst.claimants, inst.label) == (2, 2, world.bank.name)
    assert rows[(Dimension.COLLECTION, str(world.bank.pk))].cases == 1
    assert rows[(Dimension.DOOR, Door.ONLINE)].cases == 3
    assert (Dimension.DOOR, Door.API) not in rows
    assert rows[(Dimension.DISTRICT, "福建省龙岩市新罗区小池镇")].cases == 1
    assert rows[(Dimension.DISTRICT, "福建省龙岩市永定区")].cases == 2
    resp = [r for (d, _k), r in rows.items() if d == Dimension.RESPONDENT]
    assert len(resp) == 1 and resp[0].label == "龙岩某某投资有限公司"


@pytest.mark.django_db
def test_rollup_is_idempotent_and_rebuild_matches_it(world):
    dispute(world, villager(1), institution=world.bank)
    n = risk_counts_rollup(day=TODAY)
    snapshot = sorted(DailyCount.objects.values_list("day", "dimension", "key", "cases", "claimants"))
    assert risk_counts_rollup(day=TODAY) == n
    assert sorted(DailyCount.objects.values_list("day", "dimension", "key", "cases", "claimants")) == snapshot
    DailyCount.objects.all().delete()
    risk_counts_rebuild(actor=SYSTEM, last=TODAY)
    rebuilt = sorted(DailyCount.objects.filter(day=TODAY).values_list("day", "dimension", "key", "cases", "claimants"))
    assert rebuilt == snapshot


@pytest.mark.django_db
def test_a_10000_row_batch_from_one_bank_raises_nothing(world):
    rng = np.random.default_rng(3)
    simulate(Dimension.INSTITUTION, str(world.bank.pk), rng.poisson(1.0, 120))
    simulate(Dimension.COLLECTION, str(world.bank.pk), [0] * 119 + [10_000])
    simulate(Dimension.PRODUCT, Product.CREDIT_CARD, rng.poisson(1.0, 120))
    result = risk_detect(day=TODAY, rollup=False)
    assert result.readings >= 2
    assert not RiskWarning.objects.exists()


@pytest.mark.django_db
def test_a_surge_raises_one_warning_updated_and_notified_again_only_when_worse(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world.users["regulator"].email = "pboc@example.org"
    world.users["regulator"].save()
    base = list(np.random.default_rng(9).poisson(2.0, 100))
    key = str(world.bank.pk)
    simulate(Dimension.INSTITUTION, key, [*base, 6, 7, 6, 8], last=TODAY - dt.timedelta(days=3))
    day1 = TODAY - dt.timedelta(days=3)
    assert not RiskWarning.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        risk_detect(day=day1, rollup=False)
    w = RiskWarning.objects.get()
    assert (w.dimension, w.detector, w.state) == (Dimension.INSTITUTION, Detector.EARS, WarningState.NEW)
    assert w.institution == world.bank and w.threshold > w.baseline and len(w.series) == 91
    assert w.params["alpha"] == 0.001 and w.why["code"] == "ears"
    first_severity = w.severity
    assert first_severity < 3 and WarningNotice.objects.count() == 1
    assert [m.to for m in mailoutbox] == [["pboc@example.org"]]
    link = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/risk/warnings/{w.pk}/"
    assert link in mailoutbox[0].body and link.startswith("http")  # a link that opens from a mail client
    # The same day again: nothing new, nobody told twice.
    risk_detect(day=day1, rollup=False)
    assert RiskWarning.objects.count() == 1 and WarningNotice.objects.count() == 1
    # Worse: far above the threshold.
    simulate(Dimension.INSTITUTION, key, [30, 30, 30], last=TODAY)
    risk_detect(day=TODAY, rollup=False)
    w.refresh_from_db()
    assert RiskWarning.objects.count() == 1
    assert w.severity == 3 and w.reading_on == TODAY and w.notified_severity == 3
    assert list(WarningNotice.objects.values_list("severity", flat=True)) == [first_severity, 3]
    assert AuditEntry.objects.filter(action="risk.worse", object_id=str(w.pk)).count() == 1
    assert [s.code for s in w.steps.all()] == ["raised", "worse"]


@pytest.mark.django_db
def test_a_cluster_of_claimants_naming_one_company_is_a_lead(world):
    for i in range(6):
        c = dispute(world, villager(10 + i), at=timezone.make_aware(dt.datetime(2026, 11, 10 + i, 9)))
        named_respondent_record(
            actor=SYSTEM, case=c, name="龙岩 鑫汇投资（有限）公司" if i % 2 else "龙岩鑫汇投资有限公司"
        )
    risk_detect(day=TODAY)
    lead = RiskWarning.objects.get(detector=Detector.CLUSTER)
    assert lead.kind == "lead" and lead.claimants == 6 and lead.why["params"]["limit"] == 5


def open_warning(world) -> RiskWarning:
    simulate(Dimension.RESPONDENT, "name:x", [0] * 50 + [3, 3])
    risk_detect(day=TODAY, rollup=False)
    return RiskWarning.objects.get()


@pytest.mark.django_db
def test_workflow_ack_verify_escalate_resolve_all_audited(world):
    w = open_warning(world)
    reg = world.users["regulator"]
    warning_step(actor=reg, warning=w.pk, step="acknowledge")
    warning_step(actor=reg, warning=w.pk, step="verify", note="核查中")
    agency = organisation_create(actor=SYSTEM, kind=OrganisationKind.FINANCIAL_REGULATOR, name="龙岩市地方金融管理局")
    warning_step(actor=reg, warning=w.pk, step="escalate", agency=agency, note="疑似非法集资")
    w = warning_step(actor=reg, warning=w.pk, step="resolve", resolution=Resolution.CONFIRMED)
    assert (w.state, w.escalated_to, w.resolution) == (WarningState.RESOLVED, agency, Resolution.CONFIRMED)
    assert AuditEntry.objects.filter(action="risk.step", object_id=str(w.pk)).count() == 4
    assert WarningStep.objects.filter(warning=w).count() == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "step", "kwargs", "error"),
    [
        ("regulator", "snooze", {"note": "节后再看"}, DomainError),  # no date
        ("regulator", "snooze", {"until": TODAY + dt.timedelta(days=9999), "note": "x"}, DomainError),  # too far
        ("regulator", "snooze", {"until": timezone.localdate() + dt.timedelta(days=10)}, DomainError),  # no reason
        ("regulator", "escalate", {"note": "x"}, DomainError),  # not acknowledged yet
        ("regulator", "resolve", {"resolution": "maybe"}, DomainError),
        ("clerk", "acknowledge", {}, NotAllowed),
        ("mediator", "acknowledge", {}, NotFound),
        ("regulator", "teleport", {}, DomainError),
    ],
)
def test_bad_steps_change_nothing(world, who, step, kwargs, error):
    w = open_warning(world)
    before = AuditEntry.objects.count()
    with pytest.raises(error):
        warning_step(actor=world.users[who], warning=w.pk, step=step, **kwargs)
    w.refresh_from_db()
    assert w.state == WarningState.NEW and not w.snoozed_until and w.escalated_to is None
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_forged_id_outside_remit_and_institution_escalation_are_refused(world):
    w = open_warning(world)
    reg = world.users["regulator"]
    with pytest.raises(NotFound):
        warning_step(actor=reg, warning="999999", step="acknowledge")
    with pytest.raises(NotFound):
        warning_step(actor=reg, warning="1; DROP", step="acknowledge")
    banking = organisation_create(actor=SYSTEM, kind=OrganisationKind.BANKING_REGULATOR, name="龙岩银保监分局")
    other_reg = user_create(
        actor=SYSTEM, username="cbirc", password="x-Pass-1234", role=Role.REGULATOR, organisation=banking
    )
    with pytest.raises(NotFound):  # respondents are outside the banking regulator's remit
        warning_step(actor=other_reg, warning=w.pk, step="acknowledge")
    simulate(Dimension.INSTITUTION, str(world.bank.pk), [0] * 50 + [9])
    risk_detect(day=TODAY, rollup=False)
    about_bank = RiskWarning.objects.get(dimension=Dimension.INSTITUTION)
    warning_step(actor=reg, warning=about_bank.pk, step="acknowledge")
    with pytest.raises(NotAllowed) as refused:
        warning_step(actor=world.users["bank"], warning=about_bank.pk, step="escalate", note="x")
    assert refused.value.code == "role" and "移交" in str(refused.value.message)


@pytest.mark.django_db
def test_snooze_then_a_reading_after_it_ends_reopens_and_notifies(world):
    w = open_warning(world)
    warning_step(
        actor=world.users["regulator"],
        warning=w.pk,
        step="snooze",
        until=timezone.localdate() + dt.timedelta(days=3),
        note="等待核实",
    )
    w.refresh_from_db()
    assert w.state == WarningState.SNOOZED
    RiskWarning.objects.filter(pk=w.pk).update(snoozed_until=TODAY - dt.timedelta(days=1))
    risk_detect(day=TODAY, rollup=False)
    w.refresh_from_db()
    assert w.state == WarningState.NEW and WarningNotice.objects.filter(warning=w).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"note": "节后再看"}, "until_required"),
        ({"until": "past", "note": "节后再看"}, "until_past"),
        ({"until": "far", "note": "节后再看"}, "until_far"),
        ({"until": "soon"}, "reason_required"),
        ({"until": "soon", "note": "   "}, "reason_required"),
    ],
)
def test_a_snooze_needs_an_end_date_within_180_days_and_a_reason(world, kwargs, code):
    w = open_warning(world)
    today = timezone.localdate()
    dates = {"past": today, "far": today + dt.timedelta(days=181), "soon": today + dt.timedelta(days=10)}
    if "until" in kwargs:
        kwargs = {**kwargs, "until": dates[kwargs["until"]]}
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        warning_step(actor=world.users["regulator"], warning=w.pk, step="snooze", **kwargs)
    assert refused.value.code == code
    w.refresh_from_db()
    assert w.state == WarningState.NEW and w.snoozed_until is None and w.snooze_reason == ""
    assert AuditEntry.objects.count() == before
