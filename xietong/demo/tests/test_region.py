"""The demo region: every state, every story, valid identifiers, an intact audit trail, loaded once."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import shutil
import tempfile
from collections import Counter
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from xietong.accounts.choices import REGULATOR_KINDS, OrganisationKind, Role
from xietong.accounts.models import ApiClient, Organisation, User
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import audit_verify
from xietong.batches.choices import BatchStatus
from xietong.batches.demo import seed as seed_batch
from xietong.batches.models import Batch, BatchRow
from xietong.cases.choices import CaseState, Channel, Colour, Door, Product, Track
from xietong.cases.definitions import CLOSED_STATES as CLOSING_STATES
from xietong.cases.models import Case, CaseEvent, CaseNumber, CaseParty, Category, Team
from xietong.core.validators import parse_resident_id, validate_uscc
from xietong.demo import region as demo
from xietong.demo.clock import SimulatedClock
from xietong.demo.region import BATCH_SIZE, DEMO_ACTOR, DEMO_LOGINS, DEMO_PASSWORD, batch_marker, load_region
from xietong.parties.choices import AuthorisationReason, Relationship
from xietong.parties.models import Address, Authorisation, Person

LONGYAN_CODES = {"350802", "350803", "350821", "350822", "350823", "350824", "350825", "350881"}
MEDIA_ROOT = tempfile.mkdtemp(prefix="xietong-demo-media-")


def _counts() -> dict[str, int]:
    models = (
        Organisation,
        User,
        ApiClient,
        Person,
        Address,
        Authorisation,
        Category,
        Team,
        Case,
        CaseParty,
        CaseEvent,
        CaseNumber,
        AuditEntry,
    )
    return {m.__name__: m.objects.count() for m in models}


@override_settings(MEDIA_ROOT=MEDIA_ROOT)
class DemoRegionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        result = load_region()
        assert result is not None
        cls.result = result

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)

    def story(self, name: str) -> list[Case]:
        return list(Case.objects.filter(pk__in=self.result.story_case_ids[name]).order_by("pk"))

    # The region ----------------------------------------------------------------------------------

    def test_the_region_has_its_courts_agencies_banks_and_stations(self) -> None:
        courts = dict(Organisation.objects.filter(kind=OrganisationKind.COURT).values_list("court_code", "name"))
        assert courts == {"闽08": "龙岩市中级人民法院", "闽0802": "龙岩市新罗区人民法院"}
        for kind, name in (
            (OrganisationKind.JUSTICE_BUREAU, "龙岩市司法局"),
            (OrganisationKind.FINANCIAL_REGULATOR, "龙岩市地方金融监督管理局"),
            (OrganisationKind.PBOC_BRANCH, "中国人民银行龙岩市分行"),
            (OrganisationKind.BANKING_REGULATOR, "国家金融监督管理总局龙岩监管分局"),
            (OrganisationKind.MEDIATION_ORG, "龙岩市金融纠纷人民调解委员会"),
            (OrganisationKind.STATION, "新罗区小池镇培斜村惠农e站"),
            (OrganisationKind.STATION, "新罗区万安镇惠农e站"),
        ):
            assert Organisation.objects.filter(kind=kind, name=name).exists(), name
        banks = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)
        assert banks.count() >= 5
        for bank in banks:
            validate_uscc(bank.uscc)
            assert bank.users.filter(role=Role.INSTITUTION_OPERATOR).exists(), bank
        for agency in Organisation.objects.filter(kind__in=REGULATOR_KINDS):
            assert agency.users.filter(role=Role.REGULATOR).exists(), agency
        for station in Organisation.objects.filter(kind=OrganisationKind.STATION):
            assert station.users.filter(role=Role.STATION_AGENT).exists(), station
        assert User.objects.filter(role=Role.MEDIATOR).count() >= 6
        assert User.objects.filter(role=Role.JUDGE, organisation__court_code="闽08").exists()
        assert User.objects.filter(role=Role.CENTER_ADMIN).exists()
        teams = set(
            Team.objects.filter(court__court_code="闽0802").annotate(n=Count("members")).values_list("name", "n")
        )
        assert {name for name, _ in teams} == {"诉前调解团队", "立案团队", "审判团队", "调裁一体团队"}
        assert all(n > 0 for _, n in teams)
        colours = dict(Category.objects.values_list("name", "colour"))
        assert colours == {
            "水土生态": Colour.GREEN,
            "乡村振兴": Colour.YELLOW,
            "青年创业金": Colour.RED,
            "信用卡": "",
            "消费贷": "",
            "经营贷": "",
        }

    def test_demo_logins_exist_and_share_the_demo_password(self) -> None:
        assert {"admin", "clerk", "judge", "mediator", "psbc", "rcb", "pboc", "station", "huang"} <= {
            login.username for login in DEMO_LOGINS
        }
        for login in DEMO_LOGINS:
            user = User.objects.get(username=login.username)
            assert login.username.isascii()
            assert user.check_password(DEMO_PASSWORD), login.username
            assert str(Role(user.role).label) == str(login.role)
        # Other accounts are not demo logins.
        assert not User.objects.get(username="party001").has_usable_password()

    # Cases -------------------------------------------------------------------------------------

    def test_every_state_has_a_case(self) -> None:
        states = Counter(Case.objects.values_list("state", flat=True))
        missing = [s for s in CaseState if states[s] == 0]
        assert missing == []
        assert self.result.states == {s.value: states[s] for s in CaseState}
        assert Case.objects.count() >= 200

    def test_cases_spread_over_banks_products_categories_doors_and_four_months(self) -> None:
        # Story 6 adds disputes against a company that is not an institution (no institution on the case).
        assert Case.objects.exclude(institution=None).values("institution").distinct().count() == 5
        assert set(Case.objects.values_list("door", flat=True)) >= {
            Door.ONLINE,
            Door.COUNTER,
            Door.STATION,
            Door.BATCH,
            Door.API,
        }
        assert set(Case.objects.values_list("product", flat=True)) >= {
            Product.CREDIT_CARD,
            Product.CONSUMER_LOAN,
            Product.BUSINESS_LOAN,
        }
        assert Case.objects.values("category").distinct().count() >= 6
        now = timezone.now()
        first = Case.objects.order_by("submitted_at").first()
        assert first is not None
        assert dt.timedelta(days=100) < now - first.submitted_at < dt.timedelta(days=130)
        assert not Case.objects.filter(submitted_at__gt=now).exists()

    def test_each_timeline_is_in_order_and_matches_the_case(self) -> None:
        for case in Case.objects.prefetch_related("events", "numbers"):
            events = list(case.events.all())
            assert events[0].kind == "created" and events[0].at == case.submitted_at
            assert all(a.at <= b.at for a, b in itertools.pairwise(events))
            moves = [e for e in events if e.to_state and e.kind != "created"]
            assert (moves[-1].to_state if moves else CaseState.SUBMITTED) == case.state
            closing = next((e for e in events if e.to_state in CLOSING_STATES), None)
            assert case.closed_at == (closing.at if closing else None)
            assert case.number == list(case.numbers.all())[-1].text
            if case.state not in (CaseState.SUBMITTED, CaseState.WITHDRAWN, CaseState.REJECTED):
                assert case.channel and case.track and case.team_id, case

    def test_fast_track_is_the_rural_commercial_banks_small_claims(self) -> None:
        fast = Case.objects.filter(track=Track.FAST)
        assert fast.exists()
        assert set(fast.values_list("institution__short_name", flat=True)) == {"龙岩农商银行"}
        assert all(c.total < 100000 for c in fast)

    # The stories ---------------------------------------------------------------------------------

    def test_story_1_a_relative_acts_for_his_sick_brother(self) -> None:
        auth = Authorisation.objects.get(pk=self.result.authorisation_id)
        assert auth.reason == AuthorisationReason.ILLNESS and auth.relationship == Relationship.SIBLING
        with auth.document.open("rb") as f:
            assert f.read().startswith(b"%PDF-")
        huang = User.objects.get(username="huang")
        assert huang.role == Role.PARTY and huang.person == auth.agent
        cases = self.story("huang")
        assert len(cases) == 3
        assert len({c.institution_id for c in cases}) == 3
        assert {c.state for c in cases} == {CaseState.PERFORMING}  # confirmed and being repaid (story 9)
        for case in cases:
            party = case.parties.get(person=auth.principal)
            assert party.agent == auth.agent and party.authorisation == auth
            assert case.events.filter(kind="reach_agreement").exclude(note="").exists()
        # The lookup: debts at three banks and no lawsuit.
        assert not CaseNumber.objects.filter(case__parties__person=auth.principal, kind="民初").exists()
        assert Case.objects.filter(parties__person=auth.principal).count() == 3
        assert set(Case.objects.restrict(huang).values_list("pk", flat=True)) == {c.pk for c in cases}

    def test_story_2_the_batch_of_89_with_82_closed_within_the_month(self) -> None:
        year, month = self.result.batch_month
        batch = self.story("batch")
        assert len(batch) == BATCH_SIZE == len(self.result.batch_case_ids)
        marker = batch_marker(year, month, "邮储银行龙岩市分行")
        assert Case.objects.filter(facts__startswith=marker).count() == BATCH_SIZE
        month_start = dt.datetime(year, month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
        month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
        for case in batch:
            assert case.door == Door.BATCH and case.product == Product.CREDIT_CARD
            assert case.institution is not None and case.institution.short_name == "邮储银行龙岩市分行"
            assert month_start <= case.submitted_at < month_start + dt.timedelta(days=10)
        closed = [c for c in batch if c.state in (CaseState.FULFILLED, CaseState.CLOSED)]
        assert len(closed) == 82
        assert all(c.closed_at is not None and c.closed_at < month_end for c in closed)
        assert not [c for c in batch if c not in closed and c.state in CLOSING_STATES]
        assert self.result.batch_closed_in_month == 82
        assert round(100 * 82 / 89) == 92

    def story_2_batch(self) -> Batch:
        rows = BatchRow.objects.filter(case_id__in=self.result.batch_case_ids)
        return Batch.objects.get(pk=rows.values_list("batch_id", flat=True).distinct().get())

    def test_story_2_the_batch_is_a_real_imported_batch_of_the_bank(self) -> None:
        batch = self.story_2_batch()
        assert batch.status == BatchStatus.IMPORTED
        assert batch.institution.short_name == "邮储银行" or "邮政储蓄" in batch.institution.name
        assert (batch.row_count, batch.valid_count, batch.error_count, batch.duplicate_count) == (BATCH_SIZE, 89, 0, 0)
        assert (batch.total, batch.done) == (89, 89)
        linked = set(batch.rows.exclude(case=None).values_list("case_id", flat=True))
        assert linked == set(self.result.batch_case_ids)
        with batch.file.open("rb") as fh:
            text = fh.read().decode("utf-8")
        assert text.splitlines()[0].startswith("姓名,身份证号,手机号")
        assert len(text.splitlines()) == BATCH_SIZE + 1
        # Delivered at the start of the batch's month, before its first case.
        year, month = self.result.batch_month
        delivered = timezone.localtime(batch.created_at)
        assert (delivered.year, delivered.month) == (year, month)

    def test_story_2_the_followup_page_says_89_delivered_82_closed_92_percent(self) -> None:
        batch = self.story_2_batch()
        operator = batch.uploaded_by or User.objects.get(username="psbc")
        c = Client()
        c.force_login(operator)
        html = c.get(f"/batches/{batch.pk}/followup/").content.decode()
        assert 'data-testid="fu-delivered">89<' in html
        assert 'data-testid="fu-closed">82<' in html
        assert 'data-testid="fu-closure-rate">92%<' in html
        assert f'data-testid="fu-closed-in-month">{self.result.batch_closed_in_month}<' in html
        assert self.result.batch_closed_in_month == 82
        listing = c.get("/batches/").content.decode()
        assert f"/batches/{batch.pk}/followup/" in listing
        # The history's clock opened its cases: the import was not measured, so no time or speed is claimed.
        page = c.get(f"/batches/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-testid="batch-imported"' in page
        assert "rows/s" not in page and "imported in" not in page and "行/秒" not in page

    def test_story_2_seeding_the_batch_again_adds_nothing(self) -> None:
        count = Batch.objects.count()
        seed_batch(actor=DEMO_ACTOR)
        assert Batch.objects.count() == count

    def test_story_3_a_debtor_in_indonesia_mediated_online_to_confirmation(self) -> None:
        (case,) = self.story("abroad")
        assert case.state == CaseState.PERFORMING and case.door == Door.ONLINE  # repaid from Jakarta (story 9)
        assert case.number is not None and "民特" in case.number
        person = case.parties.get(person__isnull=False).person
        assert person.phone.startswith("+62")
        assert person.addresses.filter(country="ID", region__contains="Jakarta").exists()
        assert person.user is not None and person.user.username == "wang"

    def test_story_9_plans_paid_reminded_defaulted_enforced_and_declared(self) -> None:
        from xietong.repayment.choices import DeclarationStatus, PlanStatus, ReminderKind
        from xietong.repayment.models import (
            EnforcementApplication,
            Payment,
            PaymentDeclaration,
            PaymentFile,
            Reminder,
            RepaymentPlan,
        )

        plans = RepaymentPlan.objects.filter(case__state=CaseState.PERFORMING)
        statuses = set(plans.values_list("status", flat=True))
        assert {PlanStatus.ACTIVE, PlanStatus.DEFAULTED, PlanStatus.SUSPENDED, PlanStatus.SUPERSEDED} <= statuses
        # paid on time, and late then paid: a payment after its instalment was late, before it was missed
        late_paid = CaseEvent.objects.filter(kind="instalment_state_changed", data__to="late").values("case_id")
        assert Payment.objects.filter(case_id__in=late_paid, allocation__0__seq=1).exists()
        assert set(Reminder.objects.values_list("kind", flat=True)) >= {ReminderKind.BEFORE_3, ReminderKind.ON_DAY}
        # missed → defaulted → applied → accepted (执) → result recorded
        closed = EnforcementApplication.objects.filter(plan__isnull=False, status="closed").exclude(result="")
        assert closed.exists() and all("执" in a.enforcement_number for a in closed)
        assert EnforcementApplication.objects.filter(status="applied", plan__status=PlanStatus.DEFAULTED).exists()
        # story 1: the relative's three plans being paid; one declaration awaiting the bank, one disputed
        huang = User.objects.get(username="huang")
        mine = RepaymentPlan.objects.filter(case__in=Case.objects.restrict(huang)).exclude(status="superseded")
        assert mine.count() == 3 and all(p.paid > 0 for p in mine)
        declared = PaymentDeclaration.objects.filter(case__in=Case.objects.restrict(huang))
        assert set(declared.values_list("status", flat=True)) == {
            DeclarationStatus.DECLARED,
            DeclarationStatus.DISPUTED,
        }
        c = Client()
        c.force_login(huang)
        page = c.get("/my/repayments/").content.decode()
        assert page.count('data-testid="my-plan"') == 3 and 'data-testid="my-declaration"' in page
        # story 3: paid from Jakarta, declared with the remittance slip and confirmed by the bank
        wang = User.objects.get(username="wang")
        (case,) = self.story("abroad")
        confirmed = PaymentDeclaration.objects.get(case=case)
        assert confirmed.status == DeclarationStatus.CONFIRMED and confirmed.payment is not None
        assert confirmed.declared_by == wang and confirmed.voucher_type == "jpeg"
        assert case.parties.get(person__isnull=False).person.timezone == "Asia/Jakarta"
        # the Postal Savings Bank's payments file, recorded
        assert PaymentFile.objects.filter(status="applied").exists()

    def test_story_4_coloured_disputes_in_their_channels_and_a_fast_small_claim(self) -> None:
        coloured = {c.category.colour: c.channel for c in self.story("colours") if c.category}
        assert coloured == {
            Colour.GREEN: Channel.MEDIABLE,
            Colour.YELLOW: Channel.HARD_TO_ENFORCE,
            Colour.RED: Channel.GROUP_RISK,
        }
        (fast,) = self.story("fast_track")
        assert fast.track == Track.FAST and fast.state == CaseState.CLOSED
        assert fast.institution is not None and fast.institution.short_name == "龙岩农商银行"
        assert fast.closed_at is not None and fast.closed_at - fast.submitted_at < dt.timedelta(days=7)

    def test_story_6_a_cluster_against_one_bank_and_product_in_two_weeks(self) -> None:
        cluster = self.story("cluster")
        assert len(cluster) == 12
        assert len({(c.institution_id, c.product) for c in cluster}) == 1
        assert all(timezone.now() - c.submitted_at < dt.timedelta(days=14) for c in cluster)

    def test_story_7_a_station_files_for_a_villager(self) -> None:
        cases = self.story("station")
        assert cases
        for case in cases:
            assert case.door == Door.STATION and case.station is not None
            assert case.created_by is not None and case.created_by.organisation == case.station
        agent = User.objects.get(username="station")
        assert Case.objects.restrict(agent).filter(pk__in=[c.pk for c in cases]).exists()

    # People --------------------------------------------------------------------------------------

    def test_every_person_has_a_valid_longyan_id_number(self) -> None:
        persons = list(Person.objects.all())
        assert 300 <= len(persons) <= 340  # story 6 adds twenty villagers
        for person in persons:
            rid = parse_resident_id(person.id_number)
            assert person.id_number[:6] in LONGYAN_CODES
            assert rid.sex == person.sex and rid.birth_date == person.birth_date
            assert 2 <= len(person.name) <= 3
            assert person.addresses.filter(kind="domicile", country="CN").exists()
        overseas = Person.objects.filter(addresses__country__in=["ID", "MY", "SG"]).distinct()
        assert overseas.count() >= 3

    # The trail and the guard ---------------------------------------------------------------------

    def test_the_audit_trail_is_intact_in_time_order_and_ends_with_the_load(self) -> None:
        checked, problem = audit_verify()
        assert problem is None
        assert checked == AuditEntry.objects.count() == self.result.audit_entries
        times = list(AuditEntry.objects.order_by("seq").values_list("at", flat=True))
        assert all(a <= b for a, b in itertools.pairwise(times))
        last = AuditEntry.objects.order_by("seq").last()
        assert last is not None and last.action == AuditAction.DEMO_LOAD
        # Every case and every transition left its entry.
        assert AuditEntry.objects.filter(action=AuditAction.CASE_CREATE).count() == Case.objects.count()
        moves = CaseEvent.objects.exclude(to_state="").exclude(kind="created").count()
        assert AuditEntry.objects.filter(action=AuditAction.CASE_TRANSITION).count() == moves

    def test_loading_again_changes_nothing(self) -> None:
        before = _counts()
        assert load_region() is None
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        assert "already loaded" in out.getvalue()
        assert _counts() == before


@override_settings(MEDIA_ROOT=MEDIA_ROOT)
class DemoLoadFailureTests(TestCase):
    def test_a_crash_midway_leaves_nothing_behind(self) -> None:
        calls = {"n": 0}
        real = demo._Region._take_step

        def flaky(self: demo._Region, plan: demo._Plan, step: demo._Step) -> None:
            calls["n"] += 1
            if calls["n"] == 150:
                raise RuntimeError("boom")
            real(self, plan, step)

        with mock.patch.object(demo._Region, "_take_step", flaky), self.assertRaisesMessage(RuntimeError, "boom"):
            load_region()
        assert _counts() == dict.fromkeys(_counts(), 0)
        # The clock is real again.
        assert abs(timezone.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)

    def test_the_command_loads_and_summarises(self) -> None:
        out = io.StringIO()
        with mock.patch.object(demo, "GENERAL_TARGETS", dict.fromkeys(CaseState, 1)):
            call_command("load_demo", stdout=out)
        text = out.getvalue()
        assert "Demo region loaded" in text
        assert "82 closed within the month (92%)" in text
        for state in CaseState:
            assert state.value in text
        assert audit_verify()[1] is None


class SimulatedClockTests(TestCase):
    def test_the_clock_moves_forward_only_and_is_restored(self) -> None:
        real = timezone.now()
        past = real - dt.timedelta(days=30)
        with SimulatedClock() as clock:
            clock.set(past)
            assert timezone.now() == past
            assert timezone.localdate() == timezone.localtime(past).date()
            assert User._meta.get_field("date_joined").get_default() == past
            with self.assertRaises(ValueError):
                clock.set(past - dt.timedelta(seconds=1))
            with self.assertRaises(ValueError):
                clock.set(real + dt.timedelta(days=1))
            assert timezone.template_localtime(past).utcoffset() == dt.timedelta(hours=8)
            clock.release()
            assert timezone.now() >= real
        assert timezone.now() - real < dt.timedelta(seconds=5)
