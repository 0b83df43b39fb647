"""The replay engine of the demo region: who works when, the plan of each case, and its replay.

A story plans disputes (`Region.dispute`: the filing and each later step, with the actor who takes it)
and places them in time (`Region.schedule`); `Region.timeline` then replays every filing and step in
time order under the simulated clock (`xietong.demo.clock`), through the services only: the filing
through `case_create`, the triage through the triage rules (`case_auto_triage`), a team through
`case_assign_team`, a mediator through `case_assign_mediator`, and every other step through its
app's registered demo step or the case's own transition.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import ApiClient, Organisation, User
from xietong.accounts.services import api_client_create, organisation_create, user_create
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, ActorRef
from xietong.cases.choices import CaseState, Channel, Door, PartyRole, Product, TeamKind, Track
from xietong.cases.models import Case, Category, Team
from xietong.cases.registry import registry
from xietong.cases.services import (
    PersonParty,
    case_assign_team,
    case_create,
    case_transition,
    category_ensure,
    team_create,
)
from xietong.core.idgen import fake_uscc
from xietong.intake.services import person_link_account
from xietong.mediation import demo as mediation_demo
from xietong.parties.models import Authorisation, Person
from xietong.parties.services import person_create
from xietong.triage import demo as triage_demo
from xietong.triage.services import case_auto_triage

from .clock import SimulatedClock
from .data import (
    CATEGORIES,
    CITIZENS,
    CLOSE_NOTES,
    CONFIRM_NOTES,
    DEMO_ACTOR,
    DEMO_PASSWORD,
    DWELL,
    ENFORCE_NOTES,
    FAIL_NOTES,
    FAST_TRACK_LIMIT,
    FILE_NOTE,
    FULFIL_NOTES,
    HISTORY_DAYS,
    ORGANISATIONS,
    REFUSE_NOTE,
    REJECT_NOTES,
    STAFF,
    TEAMS,
    TRIAGE_NOTES,
    WITHDRAW_BANK_NOTES,
    WITHDRAW_PARTY_NOTES,
    amounts_for,
)
from .people import Citizen, CitizenFactory
from .words import agreement_note, claims_text, facts_text, judgment_note

# Time -----------------------------------------------------------------------------------------

ANY, WAKING, OFFICE = "any", "waking", "office"
OFFICE_WINDOWS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 30), dt.time(17, 30)))
WAKING_WINDOWS = ((dt.time(7, 0), dt.time(23, 0)),)


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def snap(t: dt.datetime, kind: str, rng: random.Random) -> dt.datetime:
    """The first moment at or after t when this kind of actor works: office hours on weekdays, or
    waking hours any day; automatic steps happen at once."""
    if kind == ANY:
        return t
    tz = local_tz()
    windows = OFFICE_WINDOWS if kind == OFFICE else WAKING_WINDOWS
    local = t.astimezone(tz)
    day = local.date()
    for _ in range(15):
        if kind != OFFICE or is_workday(day):
            for lo, hi in windows:
                start = dt.datetime.combine(day, lo, tzinfo=tz)
                end = dt.datetime.combine(day, hi, tzinfo=tz)
                if local <= end:
                    if local >= start:
                        return local
                    span = (end - start).total_seconds() / 60
                    return start + dt.timedelta(minutes=rng.uniform(0, min(50.0, span)))
        day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    raise RuntimeError("no working time found")  # pragma: no cover


# Public holidays with fixed dates (the lunar ones and the make-up working days are left out).
HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5), *((10, d) for d in range(1, 8))}


def is_workday(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS


def hours_of(actor: Any) -> str:
    if isinstance(actor, ActorRef | ApiClient):
        return ANY
    if isinstance(actor, User):
        return WAKING if actor.role == Role.PARTY else OFFICE
    return WAKING  # a citizen who registers when filing


def resolve(actor: Any) -> Any:
    return actor() if callable(actor) else actor


# Plans: a case's filing and each later step, with the actor who takes it -----------------------


class CaseRef:
    def __init__(self) -> None:
        self.id: int | None = None


@dataclass
class Step:
    code: str  # a transition code, or classify / team / assign
    actor: Any
    gap: tuple[float, float]  # days after the previous step
    note: str | Callable[[], str] = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    hours: str = ""


@dataclass
class Who:
    """Who takes each step of one case."""

    triager: Any
    clerk: User
    filer: User
    mediator: User
    judge: User
    trial_judge: User
    fulfiller: Any
    withdrawer: Any
    channel: str
    track: str
    team: Team
    trial_team: Team


@dataclass
class Plan:
    key: str
    filer: Any
    door: str
    build: Callable[[dt.datetime], dict[str, Any]]  # case_create's arguments, given the filing time
    steps: list[Step]
    tags: tuple[str, ...] = ()
    before: Callable[[], Any] | None = None  # runs just before filing (registering, authorising)
    ref: CaseRef = field(default_factory=CaseRef)
    opened_by_batch: bool = False  # the case is opened (and triaged) by its batch's import, not filed here


class Timeline:
    def __init__(self) -> None:
        self.events: list[tuple[dt.datetime, int, Callable[[], Any]]] = []
        self.clock: SimulatedClock | None = None

    def at(self, when: dt.datetime, fn: Callable[[], Any]) -> None:
        self.events.append((when, len(self.events), fn))

    def run(self, clock: SimulatedClock) -> None:
        self.clock = clock
        for when, _, fn in sorted(self.events, key=lambda e: (e[0], e[1])):
            current = clock.now
            clock.set(max(when, current) if current is not None else when)  # after a running step: never back
            fn()

    def running(self) -> AbstractContextManager[None]:
        """While replaying: let the clock run at the real pace (see SimulatedClock.running)."""
        assert self.clock is not None, "the timeline is not running"
        return self.clock.running()


# The loader -----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    seed: int
    history_from: dt.datetime
    seconds: float
    organisations: int
    users: int
    persons: int
    cases: int
    audit_entries: int
    states: dict[str, int]
    batch_case_ids: list[int]
    batch_closed_in_month: int
    batch_month: tuple[int, int]
    story_case_ids: dict[str, list[int]]
    authorisation_id: int


class Region:
    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = now
        self.deadline = now - dt.timedelta(minutes=5)
        self.floor = now - dt.timedelta(days=HISTORY_DAYS)
        self.setup_at = snap(self.floor - dt.timedelta(days=6), OFFICE, self.rng)
        self.citizens = CitizenFactory(random.Random(f"{seed}:citizens"))
        self.password_hash = make_password(DEMO_PASSWORD)
        self.timeline = Timeline()
        self.plans: list[Plan] = []
        self.orgs: dict[str, Organisation] = {}
        self.users: dict[str, User] = {}
        self.api_clients: dict[str, ApiClient] = {}
        self.categories: dict[str, Category] = {}
        self.teams: dict[str, Team] = {}
        self.special: dict[str, Person] = {}
        self.pool: list[Person] = []
        self.debtors: list[tuple[Person, str]] = []
        self.party_users: dict[int, User] = {}
        self.authorisation: Authorisation | None = None
        self.batch_month = (0, 0)

    # Setup, at the start of the history ------------------------------------------------------

    def setup(self) -> None:
        a = DEMO_ACTOR
        rng = random.Random(f"{self.seed}:organisations")
        for key, kind, name, short, extra in ORGANISATIONS:
            fields = dict(extra)
            if "parent" in fields:
                fields["parent"] = self.orgs[fields["parent"]]
            if kind == OrganisationKind.INSTITUTION:
                fields["uscc"] = fake_uscc(rng)
                fields.setdefault("region", "福建省龙岩市")
            self.orgs[key] = organisation_create(actor=a, kind=kind, name=name, short_name=short, **fields)
        for username, role, org, full_name, _ in STAFF:
            self.users[username] = user_create(
                actor=a,
                username=username,
                password=None,
                password_hash=self.password_hash,
                role=role,
                organisation=self.orgs[org],
                full_name=full_name,
                phone=self.citizens.mobile(),
                email=f"{username}@demo.xietong.invalid",
            )
        for key, name in (("ccb", "建行诉调对接系统"), ("cib", "兴业银行诉调对接系统")):
            self.api_clients[key], _token = api_client_create(actor=a, organisation=self.orgs[key], name=name)
        for code, name, colour, order, description in CATEGORIES:
            self.categories[code] = category_ensure(
                actor=a, code=code, name=name, colour=colour, description=description, sort_order=order
            )
        for name, kind, members in TEAMS:
            self.teams[kind] = team_create(
                actor=a, court=self.orgs["xl"], name=name, kind=kind, members=[self.users[m] for m in members]
            )
        mediation_demo.profiles_seed(actor=a)
        triage_demo.rules_seed(actor=a)
        self.citizens_create()

    def person(self, c: Citizen) -> Person:
        return person_create(actor=DEMO_ACTOR, name=c.name, id_number=c.id_number, phone=c.phone, addresses=c.addresses)

    def citizens_create(self) -> None:
        f = self.citizens
        specials = {
            "huang_principal": f.citizen(region="350802", sex="M", name="黄德明", born_after=1958, born_before=1964),
            "huang_agent": f.citizen(region="350802", sex="M", name="黄德华", born_after=1966, born_before=1972),
            "abroad": f.overseas(
                country="ID",
                region="DKI Jakarta",
                line="Jl. Gajah Mada No. 118, Tamansari, Jakarta Barat",
                phone="+62 812-6618-3027",
                sex="M",
                name="王志强",
                born_after=1986,
                born_before=1994,
            ),
            "abroad_my": f.overseas(
                country="MY",
                region="Kuala Lumpur",
                line="No. 52, Jalan Petaling, 50000 Kuala Lumpur",
                phone="+60 12-338 7415",
                sex="F",
                surname="张",
            ),
            "abroad_sg": f.overseas(
                country="SG",
                region="Singapore",
                line="Blk 521 Jurong West Street 52, #08-115",
                phone="+65 9123 4567",
                sex="M",
                surname="赖",
            ),
            "villager": f.citizen(
                region="350802",
                sex="F",
                surname="林",
                born_after=1956,
                born_before=1968,
                town="小池镇",
                village="培斜村",
            ),
            "villager2": f.citizen(
                region="350802",
                sex="M",
                surname="邱",
                born_after=1970,
                born_before=1985,
                town="万安镇",
                village="溪口村",
            ),
        }
        for key, c in specials.items():
            self.special[key] = self.person(c)
        for _ in range(CITIZENS - len(specials)):
            self.pool.append(self.person(f.citizen()))
        self.rng.shuffle(self.pool)

    # People in cases -------------------------------------------------------------------------

    def take(self, region: str | None = None) -> Person:
        for i in range(len(self.pool) - 1, -1, -1):
            if region is None or self.pool[i].id_number.startswith(region):
                return self.pool.pop(i)
        raise RuntimeError("the demo ran out of citizens")

    def register(self, person: Person, username: str | None = None) -> User:
        """A citizen opens an account (when first filing online) and it is linked to their record."""
        user = self.party_users.get(person.pk)
        if user is not None:
            return user
        user = user_create(
            actor=SYSTEM,
            username=username or f"party{len(self.party_users) + 1:03d}",
            password=None,
            password_hash=self.password_hash if username else None,
            role=Role.PARTY,
            full_name=person.name,
            phone=person.phone,
        )
        person_link_account(actor=SYSTEM, person=person, user=user)
        self.party_users[person.pk] = user
        return user

    def party(self, person: Person) -> Callable[[], User]:
        return lambda: self.party_users[person.pk]

    def who(
        self,
        rng: random.Random,
        *,
        inst: str,
        channel: str,
        track: str,
        triager: Any = None,
        bank_applies: bool = True,
        party: Any = None,
        integrated: bool | None = None,
        mediator: str | None = None,
        judge: str | None = None,
    ) -> Who:
        u = self.users
        if integrated is None:
            integrated = track == Track.FAST or channel == Channel.GROUP_RISK
        if integrated:
            clerk = u["clerk"]
            team = trial_team = self.teams[TeamKind.INTEGRATED]
            med = u[mediator or rng.choice(("mediator", "mediator5"))]
            confirm_judge = trial_judge = u[judge or "judge"]
        else:
            clerk = u[rng.choice(("clerk", "clerk", "clerk2"))]
            team, trial_team = self.teams[TeamKind.PRE_MEDIATION], self.teams[TeamKind.TRIAL]
            med = u[
                mediator
                or rng.choices(("mediator", "mediator2", "mediator3", "mediator4", "mediator6"), (2, 2, 2, 2, 1))[0]
            ]
            confirm_judge = u[judge or rng.choices(("judge", "judge2", "judge3"), (2, 1, 1))[0]]
            trial_judge = u[rng.choice(("judge2", "judge3"))]
        operator = u[inst]
        return Who(
            triager=triager if triager is not None else clerk,
            clerk=clerk,
            filer=u[rng.choice(("clerk", "clerk3"))],
            mediator=med,
            judge=confirm_judge,
            trial_judge=trial_judge,
            fulfiller=operator if rng.random() < 0.8 else clerk,
            withdrawer=operator if bank_applies else (party or clerk),
            channel=channel,
            track=track,
            team=team,
            trial_team=trial_team,
        )

    # Paths through the workflow --------------------------------------------------------------

    def path(
        self,
        target: str,
        who: Who,
        rng: random.Random,
        *,
        amounts: tuple[Decimal, Decimal, Decimal],
        via: str = "",
        refuse: bool = False,
        months: int = 1,
        assign_when_triaged: bool = False,
        notes: dict[str, str] | None = None,
        bank_applies: bool = True,
        triaged_at_filing: bool = False,
        work: tuple[Any, Any] | None = None,
        expect: tuple[str, str, str] = ("", "", ""),
    ) -> list[Step]:
        """The steps from filing to `target`. `work`: (the debtor's side, the bank's operator) who bargain
        in the mediation before the agreement, with the mediator's contacts and session around it."""
        S = CaseState
        notes = notes or {}
        steps: list[Step] = []
        total = sum(amounts, Decimal(0))
        penalty = amounts[2]

        def add(code: str, actor: Any, lo: float, hi: float, note: Any = "", **kwargs: Any) -> None:
            steps.append(Step(code, actor, (lo, hi), notes.get(code, note), kwargs, hours_of(actor)))

        def intake(assign: bool = True) -> None:
            automatic = isinstance(who.triager, ActorRef)
            if not triaged_at_filing:
                add("triage", who.triager, *((0.002, 0.02) if automatic else (0.05, 1.5)), rng.choice(TRIAGE_NOTES))
            add("team", who.clerk, 0.002, 0.4, team=who.team, expect=expect)
            if assign:
                add("assign", who.clerk, 0.002, 1.0, mediator=who.mediator)

        def mediation() -> None:
            intake()
            add("start_mediation", who.mediator, 0.5, 4)

        def bargain() -> None:
            assert work is not None
            debtor_side, operator = work
            add("contact", who.mediator, 0.1, 0.8, side="debtor")
            add("contact", who.mediator, 0.1, 0.8, side="bank")
            add("session", who.mediator, 0.05, 0.5)
            add("offer", debtor_side, 1.0, 1.05)
            add("counter", operator, 0.01, 0.02, months=months)
            add("accept", debtor_side, 0.005, 0.02)
            add("session_held", who.mediator, 0.01, 0.03)

        def agreement() -> None:
            mediation()
            if work is not None:
                bargain()
            lo, hi = (0.02, 0.3) if work is not None else (2.0, 14.0)
            add(
                "reach_agreement",
                who.mediator,
                lo,
                hi,
                agreement_note(total, penalty, months, bank_applies=bank_applies),
            )
            if refuse:
                add("refuse_confirmation", who.judge, 1, 3, REFUSE_NOTE)
                add(
                    "reach_agreement",
                    who.mediator,
                    2,
                    6,
                    agreement_note(total, penalty, months, bank_applies=bank_applies),
                )

        def performing() -> None:
            agreement()
            add("confirm", who.judge, 0.5, 4, rng.choice(CONFIRM_NOTES))
            add("start_performance", SYSTEM, 0.001, 0.01)

        def fulfilled() -> None:
            performing()
            add("fulfil", who.fulfiller, *((1, 20) if months == 1 else (25, 75)), rng.choice(FULFIL_NOTES))

        def failed() -> None:
            mediation()
            add("fail_mediation", who.mediator, 5, 20, rng.choice(FAIL_NOTES))

        def tried() -> None:
            failed()
            add("file", who.filer, 0.5, 4, FILE_NOTE)
            if who.trial_team != who.team:
                add("team", who.filer, 0.001, 0.05, team=who.trial_team)
            add("try", who.trial_judge, 15, 40, judgment_note(total))

        if target == S.SUBMITTED:
            pass
        elif target == S.TRIAGED:
            intake(assign=assign_when_triaged)
        elif target == S.MEDIATING:
            mediation()
        elif target == S.AGREEMENT:
            agreement()
        elif target == S.CONFIRMED:
            agreement()
            add("confirm", who.judge, 0.5, 4, rng.choice(CONFIRM_NOTES))
        elif target == S.PERFORMING:
            performing()
        elif target == S.FULFILLED:
            fulfilled()
        elif target == S.FAILED:
            failed()
        elif target == S.FILED:
            tried()
            steps.pop()  # not yet tried
        elif target == S.TRIED:
            tried()
        elif target in (S.ENFORCING, S.CLOSED):
            if via == "fulfilled":
                fulfilled()
            elif via == "performing":
                performing()
                add("enforce", who.clerk, 20, 60, rng.choice(ENFORCE_NOTES))
            else:
                tried()
                if target == S.ENFORCING or via == "enforcing":
                    add("enforce", who.clerk, 12, 30, rng.choice(ENFORCE_NOTES))
            if target == S.CLOSED:
                closer = who.clerk if via == "fulfilled" else who.trial_judge
                lo, hi = (20.0, 60.0) if via == "enforcing" else (0.5, 5.0)
                add("close", closer, lo, hi, CLOSE_NOTES[via or "tried"])
        elif target == S.WITHDRAWN:
            if via == "mediating":
                mediation()
            elif via == "triaged":
                intake(assign=False)
            by_bank = isinstance(who.withdrawer, User) and who.withdrawer.role == Role.INSTITUTION_OPERATOR
            add("withdraw", who.withdrawer, 1, 8, rng.choice(WITHDRAW_BANK_NOTES if by_bank else WITHDRAW_PARTY_NOTES))
        elif target == S.REJECTED:
            if via == "triaged":
                intake(assign=False)
            add("reject", who.clerk, 0.2, 3, rng.choice(REJECT_NOTES))
        else:  # pragma: no cover
            raise ValueError(target)
        return steps

    # Scheduling ------------------------------------------------------------------------------

    def schedule(
        self,
        plan: Plan,
        rng: random.Random,
        *,
        start: dt.datetime,
        floor: dt.datetime | None = None,
        deadline: dt.datetime | None = None,
        speed: float = 1.0,
    ) -> None:
        """Place the filing and each step in time (working hours for staff), ending by the deadline."""
        floor = floor or self.floor
        deadline = deadline or self.deadline
        start = max(start, floor)
        gaps = [rng.uniform(*s.gap) * speed for s in plan.steps]
        filing_kind = hours_of(plan.filer)
        scale = 1.0
        for _ in range(100):
            filed = snap(start, filing_kind, rng)
            t, times = filed, []
            for gap, step in zip(gaps, plan.steps, strict=True):
                t = snap(t + dt.timedelta(days=gap * scale), step.hours, rng)
                times.append(t)
            last = times[-1] if times else filed
            if last <= deadline:
                break
            over = last - deadline + dt.timedelta(minutes=rng.uniform(10, 240))
            if start - over >= floor:
                start -= over
            else:
                start, scale = floor, scale * 0.7
        else:  # pragma: no cover
            raise RuntimeError(f"could not place the demo case {plan.key} in time")
        self.plans.append(plan)
        if not plan.opened_by_batch:
            self.timeline.at(filed, partial(self.file, plan, filed))
        for when, step in zip(times, plan.steps, strict=True):
            self.timeline.at(when, partial(self.take_step, plan, step))

    def start_for(self, rng: random.Random, target: str, steps: list[Step], speed: float = 1.0) -> dt.datetime:
        busy = sum((s.gap[0] + s.gap[1]) / 2 for s in steps) * speed
        if target in DWELL:
            lo, hi = DWELL[target]
        else:  # ended: anywhere in the history
            lo, hi = 1.0, max(1.0, HISTORY_DAYS - 2 - busy)
        return self.deadline - dt.timedelta(days=busy + rng.uniform(lo, hi))

    def file(self, plan: Plan, filed: dt.datetime) -> None:
        if plan.before is not None:
            plan.before()
        case = case_create(actor=resolve(plan.filer), door=plan.door, submitted_at=filed, **plan.build(filed))
        plan.ref.id = case.pk

    def take_step(self, plan: Plan, step: Step) -> None:
        case_id = plan.ref.id
        assert case_id is not None
        actor = resolve(step.actor)
        if step.code == "triage":
            # The rules triage the dispute (category, channel, track), as at every door.
            note = step.note() if callable(step.note) else step.note
            case_auto_triage(case=case_id, actor=actor, note=note)
        elif step.code == "team":
            # The clerk gives the triaged dispute to a team; the rules' triage is what the story meant.
            expect = step.kwargs.get("expect")
            if expect:
                case = Case.objects.select_related("category").get(pk=case_id)
                got = (case.category.code if case.category else "", case.channel, case.track)
                if got != expect:
                    raise RuntimeError(f"demo case {plan.key}: the rules triaged it {got}, the story meant {expect}")
            case_assign_team(case=case_id, actor=actor, team=step.kwargs["team"])
        elif step.code in mediation_demo.STEPS:
            # Mediation's own steps, through its services: the assignment, contacts, session and offers.
            mediation_demo.STEPS[step.code](case_id=case_id, actor=actor, **step.kwargs)
        else:
            note = step.note() if callable(step.note) else step.note
            handler = registry.demo_steps.get(step.code)
            if handler is not None:
                # The step goes through its own app's services (agreement signed, review recorded...).
                handler(case_id=case_id, actor=actor, note=note)
            else:
                case_transition(case=case_id, code=step.code, actor=actor, note=note)

    # One dispute -----------------------------------------------------------------------------

    def category_for(self, rng: random.Random, product: str, inst: str) -> Category | None:
        c = self.categories
        if product == Product.CREDIT_CARD:
            return c["credit-card"]
        if product == Product.CONSUMER_LOAN:
            return c["consumer-loan"]
        if product in (Product.BUSINESS_LOAN, Product.GUARANTEE):
            coloured = 0.7 if inst in ("rcb", "abc") else 0.35
            if rng.random() < coloured:
                return c[rng.choices(("eco", "rural", "youth"), (3, 5, 4))[0]]
            return c["business-loan"]
        return None

    def dispute(
        self,  # `category`: the one the triage rules will give it (the filer chooses none)
        key: str,
        rng: random.Random,
        *,
        target: str,
        inst: str,
        product: str,
        debtor: Person,
        category: Category | None,
        door: str,
        filer: Any,
        bank_applies: bool = True,
        guarantor: Person | None = None,
        amounts: tuple[Decimal, Decimal, Decimal] | None = None,
        triager: Any = None,
        station: Organisation | None = None,
        via: str = "",
        refuse: bool = False,
        months: int | None = None,
        agent: Person | None = None,
        authorisation: Callable[[], Authorisation | None] | None = None,
        facts_prefix: str = "",
        facts: str | None = None,
        tags: tuple[str, ...] = (),
        before: Callable[[], Any] | None = None,
        who_kwargs: dict[str, Any] | None = None,
        notes: dict[str, str] | None = None,
        assign_when_triaged: bool = False,
        opened_by_batch: bool = False,
        bargain: bool = False,
    ) -> Plan:
        colour = category.colour if category else ""
        amounts = amounts or amounts_for(rng, product, colour)
        total = sum(amounts, Decimal(0))
        # What the rules will give it: the category its product and facts name, the channel of that
        # category's colour, and the fast track under the Rural Commercial Bank's memorandum.
        track = Track.FAST if inst == "rcb" and total <= FAST_TRACK_LIMIT else Track.NORMAL
        channel = triage_demo.COLOUR_CHANNEL.get(colour, Channel.MEDIABLE)
        S = CaseState
        if months is None:
            if target == S.FULFILLED or via == "fulfilled":
                months = 1 if rng.random() < 0.75 else rng.randint(2, 3)
            else:
                months = rng.choice((1, 6, 12, 12, 18, 24, 36))
        party = filer if not bank_applies and door == Door.ONLINE else None
        who = self.who(
            rng,
            inst=inst,
            channel=channel,
            track=track,
            triager=triager,
            bank_applies=bank_applies,
            party=party,
            **(who_kwargs or {}),
        )
        steps = self.path(
            target,
            who,
            rng,
            amounts=amounts,
            via=via,
            refuse=refuse,
            months=months,
            notes=notes,
            assign_when_triaged=assign_when_triaged,
            bank_applies=bank_applies,
            triaged_at_filing=opened_by_batch,
            work=(party, self.users[inst]) if bargain and party is not None else None,
            expect=(category.code if category else "", channel, track),
        )
        tz = mediation_demo.time_zone_of(debtor)
        if tz and party is not None:
            # A party abroad who files online sets the zone their session times are shown in.
            steps.insert(0, Step("time_zone", party, (0.001, 0.01), hours=hours_of(party)))
        elif tz:
            # Otherwise the mediator does, once assigned.
            at = next((i for i, step in enumerate(steps) if step.code == "assign"), None)
            if at is not None:
                steps.insert(at + 1, Step("time_zone", who.mediator, (0.002, 0.2), hours=OFFICE))
        institution = self.orgs[inst]
        bank_name = institution.name
        debtor_role = PartyRole.RESPONDENT if bank_applies else PartyRole.APPLICANT
        persons = [PersonParty(person=debtor, role=debtor_role, agent=agent)]
        if guarantor is not None:
            persons.append(PersonParty(person=guarantor, role=PartyRole.RESPONDENT))

        def build(filed: dt.datetime) -> dict[str, Any]:
            auth = authorisation() if authorisation else None
            parties = (
                [PersonParty(p.person, p.role, p.agent, auth if p.agent else None) for p in persons]
                if auth
                else persons
            )
            text = facts or facts_text(
                rng,
                product=product,
                colour=colour,
                bank=bank_name,
                debtor=("被申请人" if bank_applies else "申请人") + debtor.name,
                guarantor=guarantor.name if guarantor else None,
                amounts=amounts,
                filed=timezone.localtime(filed).date(),
            )
            return {
                "court": self.orgs["xl"],
                "institution": institution,
                "institution_role": PartyRole.APPLICANT if bank_applies else PartyRole.RESPONDENT,
                "product": product,
                "persons": parties,
                "principal": amounts[0],
                "interest": amounts[1],
                "penalty": amounts[2],
                "station": station,
                "facts": facts_prefix + text,
                "claims": claims_text(
                    bank_applies=bank_applies,
                    bank=institution.display_name,
                    debtor=debtor.name,
                    guarantor=guarantor.name if guarantor else None,
                    total=total,
                    amounts=amounts,
                ),
            }

        self.debtors.append((debtor, inst))
        return Plan(
            key=key,
            filer=filer,
            door=door,
            build=build,
            steps=steps,
            tags=tags,
            before=before,
            opened_by_batch=opened_by_batch,
        )

    # The general run of cases ----------------------------------------------------------------

    @staticmethod
    def is_fast(plan: Plan) -> bool:
        return any(s.code == "classify" and s.kwargs["track"] == Track.FAST for s in plan.steps)

    # The stories -----------------------------------------------------------------------------

    def result(self, seconds: float) -> LoadResult:
        stories: dict[str, list[int]] = {}
        for plan in self.plans:
            for tag in plan.tags:
                assert plan.ref.id is not None
                stories.setdefault(tag, []).append(plan.ref.id)
        batch = stories.get("batch", [])
        month_start = dt.date(*self.batch_month, 1)
        next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
        month_end = dt.datetime.combine(next_month, dt.time(0, 0), tzinfo=local_tz())
        closed = Case.objects.filter(
            pk__in=batch, state__in=[CaseState.FULFILLED, CaseState.CLOSED], closed_at__lt=month_end
        ).count()
        states = Counter(Case.objects.values_list("state", flat=True))
        assert self.authorisation is not None
        return LoadResult(
            seed=self.seed,
            history_from=self.setup_at,
            seconds=seconds,
            organisations=Organisation.objects.count(),
            users=User.objects.count(),
            persons=Person.objects.count(),
            cases=Case.objects.count(),
            audit_entries=AuditEntry.objects.count(),
            states={s.value: states.get(s.value, 0) for s in CaseState},
            batch_case_ids=batch,
            batch_closed_in_month=closed,
            batch_month=self.batch_month,
            story_case_ids=stories,
            authorisation_id=self.authorisation.pk,
        )
