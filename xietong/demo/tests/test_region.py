"""The demo region: every state, every story, valid identifiers, an intact audit trail, loaded once."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any
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
from xietong.batches.followup import batch_followup
from xietong.batches.models import Batch, BatchRow
from xietong.cases.choices import CaseState, Channel, Colour, Door, Product, Track
from xietong.cases.definitions import CLOSED_STATES as CLOSING_STATES
from xietong.cases.models import Case, CaseEvent, CaseNumber, CaseParty, CaseStatusDoc, Category, Team
from xietong.cases.status import status_docs_stale
from xietong.core.validators import parse_resident_id, validate_uscc
from xietong.demo import engine
from xietong.demo.clock import SimulatedClock
from xietong.demo.data import STAFF
from xietong.demo.management.commands import load_demo as load_demo_command
from xietong.demo.region import BATCH_SIZE, DEMO_LOGINS, DEMO_PASSWORD, LoadResult, load_region
from xietong.parties.choices import AuthorisationReason, Relationship
from xietong.parties.models import Address, Authorisation, Person
from xietong.stats.rollup import stats_catch_up
from xietong.stats.selectors import audience_for, dashboard_build, selection_parse

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


def figures(actor: User, **params: Any) -> Any:
    audience = audience_for(actor)
    assert audience is not None
    return dashboard_build(audience=audience, selection=selection_parse(audience, params))


@override_settings(MEDIA_ROOT=MEDIA_ROOT)
class DemoRegionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        # Loaded through the command (its summary is tested below), keeping what load_region returned.
        loaded: list[LoadResult | None] = []

        def keep(**kwargs: Any) -> LoadResult | None:
            loaded.append(load_region(**kwargs))
            return loaded[-1]

        out = io.StringIO()
        with mock.patch.object(load_demo_command, "load_region", keep):
            call_command("load_demo", stdout=out)
        result = loaded[0]
        assert result is not None
        cls.result = result
        cls.summary = out.getvalue()
        # The figures follow each transition after its commit, which a TestCase never reaches: caught up here
        # from the timeline, as the periodic task would (no audit entry: the trail still ends with the load).
        stats_catch_up()

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

    def test_the_login_page_lists_every_demo_login_with_its_role(self) -> None:
        """Every account the loader gives the demo password (the stories' extra ones too, like the division
        head of story 5) is on the login page in demo mode, with its role, and so is everyone the README's
        demo tour sends the reader to; only the background colleagues of the staff list are left off."""
        background = {username for username, _role, _org, _name, description in STAFF if description is None}
        with override_settings(DEMO_MODE=True):
            page = Client().get("/login/").content.decode()
        rows = dict(re.findall(r"<code>([\w.-]+)</code>(?:<span[^>]*>[^<]*</span>)?</td><td[^>]*>([^<]+)</td>", page))
        demo_users = [u for u in User.objects.exclude(username__in=background) if u.has_usable_password()]
        assert demo_users and all(u.check_password(DEMO_PASSWORD) for u in demo_users)
        shown = {u.username: rows.get(u.username) for u in demo_users}
        assert shown == {u.username: str(Role(u.role).label) for u in demo_users}
        readme = (Path(settings.BASE_DIR) / "README.md").read_text()
        tour = readme.split("## Demo tour", 1)[1].split("\n## ", 1)[0]
        named = set(re.findall(r"`([a-z][a-z0-9]*)`", tour))
        assert {"head", "huang", "wang"} <= named and named <= set(rows), named - set(rows)

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
        assert BatchRow.objects.filter(case__in=batch).count() == BATCH_SIZE
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
        # The import ran through the importer with the clock running: its time and speed are measured,
        # not the ten minutes the history once spread 89 filings over.
        page = c.get(f"/batches/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-testid="batch-imported"' in page
        assert batch.import_started_at is not None and batch.import_finished_at is not None
        assert dt.timedelta(0) < batch.import_finished_at - batch.import_started_at < dt.timedelta(minutes=2)
        assert "0.1 rows/s" not in page

    def test_story_2_the_figures_say_89_82_92_percent_as_the_follow_up_page(self) -> None:
        batch = self.story_2_batch()
        year, month = self.result.batch_month
        admin = User.objects.get(username="admin")
        followup = batch_followup(actor=admin, batch=batch)
        assert (followup.delivered, followup.closed_in_month, followup.closure_rate) == (89, 82, 92)
        # The batch's month: 89 received, 82 closed in it, nothing carried over.
        b = figures(admin, batch=str(batch.pk), period="month", at=f"{year}-{month:02d}")
        assert b.headline["received"].value == 89
        assert b.headline["closed"].value == 82
        assert b.headline["closure_rate"].display == "92%"
        # Over its whole life: closed ÷ delivered, the follow-up page's rate.
        life = figures(
            admin,
            batch=str(batch.pk),
            period="custom",
            **{"from": f"{year}-{month:02d}", "to": timezone.localdate().strftime("%Y-%m")},
        )
        assert life.headline["closure_rate"].value == followup.closure_rate
        # The bank sees the same on its own dashboard, with the batch as a row of its breakdown.
        bank = User.objects.get(username="psbc")
        rows = figures(bank, breakdown="batch", period="month", at=f"{year}-{month:02d}").rows
        [row] = [r for r in rows if r.key == batch.pk]
        assert (row.figures["received"].value, row.figures["closure_rate"].display) == (89, "92%")

    def test_the_figures_have_something_for_every_audience(self) -> None:
        for username in ("admin", "pboc", "psbc", "mediator", "judge"):
            b = figures(User.objects.get(username=username), breakdown="channel")
            assert b.headline["received"].value is not None or b.headline["received"].suppressed, username

    def test_story_2_the_batch_cases_were_opened_and_triaged_by_the_import(self) -> None:
        batch = self.story_2_batch()
        cases = self.story("batch")
        assert {c.created_by_id for c in cases} == {batch.uploaded_by_id}
        for case in cases:
            created = case.events.get(kind="created")
            triaged = case.events.filter(kind="triage").first()
            assert triaged is not None and triaged.at == created.at, case
        assert AuditEntry.objects.filter(action=AuditAction.BATCH_IMPORT, object_id=str(batch.pk)).count() == 1

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

    def test_story_5_the_rural_commercial_banks_address_forms_a_suggestion_and_after(self) -> None:
        from xietong.suggestions.measure import Query, run
        from xietong.suggestions.models import Suggestion, SuggestionState

        s = Suggestion.objects.get()
        assert s.institution.short_name == "龙岩农商银行" and s.court.court_code == "闽0802"
        assert s.number == f"（{s.year}）闽0802司建1号" and s.state == SuggestionState.REVIEWED
        assert s.drafted_by.username == "judge" and s.signed_by is not None and s.signed_by.username == "head"
        assert s.signed_by.has_perm("suggestions.sign_suggestion")
        assert {o.kind for o in s.copies_to.all()} == {
            OrganisationKind.BANKING_REGULATOR,
            OrganisationKind.FINANCIAL_REGULATOR,
        }
        # A candidate on the day it was drafted, and the stored query gives the same figures today.
        f = s.snapshot
        assert f["p_value"] < 0.01 and f["n"] >= 30 and f["rate"] >= 2 * f["others_rate"]
        q = Query.from_dict(s.snapshot_query)
        assert q is not None and run(q) == f
        sources = list(s.source_cases.all())
        assert sources and {(c.institution_id, c.product) for c in sources} == {(s.institution_id, Product.CREDIT_CARD)}
        assert s.created_at < s.signed_at < s.sent_at <= s.served_at < s.answered_at < s.reviewed_at < timezone.now()
        assert [i["verdict"] for i in s.answer.items] == ["adopted", "adopted", "partly"]
        assert s.answer.attachments.get().detected_type == "pdf"
        before, after = s.review["before"], s.review["after"]
        assert after["complete"] and after["n"] >= 20 and after["rate"] < before["rate"] / 2

    def test_the_colour_rules_hold_for_every_coloured_dispute(self) -> None:
        from xietong.triage.choices import DecisionKind
        from xietong.triage.models import TriageDecision

        channel_of = {
            Colour.GREEN: Channel.MEDIABLE,
            Colour.YELLOW: Channel.HARD_TO_ENFORCE,
            Colour.RED: Channel.GROUP_RISK,
        }
        coloured = Case.objects.exclude(category__colour="").exclude(category=None).exclude(channel="")
        assert {c.category.colour for c in coloured} == set(channel_of)
        assert [c for c in coloured if c.channel != channel_of[c.category.colour]] == []
        # Triaged by the rules at every door (a batch's cases by its import), never overridden by hand.
        triaged = Case.objects.exclude(channel="")
        assert set(triaged.values_list("door", flat=True)) >= {Door.ONLINE, Door.COUNTER, Door.STATION, Door.API}
        assert not TriageDecision.objects.filter(kind=DecisionKind.OVERRIDE).exists()
        auto = set(TriageDecision.objects.filter(kind=DecisionKind.AUTO).values_list("case_id", flat=True))
        assert auto == set(triaged.values_list("pk", flat=True))
        # The category comes from the rules: the loan programme in the facts, else the product.
        for case in coloured.select_related("category"):
            decision = TriageDecision.objects.filter(case=case).first()
            assert decision is not None and decision.category_id == case.category_id
            fields = {r["field"]: r for r in decision.reasons}
            assert fields["category"]["rule"], case

    def test_story_6_a_cluster_against_one_bank_and_product_in_two_weeks(self) -> None:
        cluster = self.story("cluster")
        assert len(cluster) == 12
        assert len({(c.institution_id, c.product) for c in cluster}) == 1
        assert all(timezone.now() - c.submitted_at < dt.timedelta(days=14) for c in cluster)

    def test_story_6_raises_its_leads_and_the_ordinary_batches_raise_nothing(self) -> None:
        from xietong.risk.choices import Detector, Dimension, WarningKind, WarningState
        from xietong.risk.models import RiskWarning
        from xietong.risk.selectors import cases_behind, warnings_visible

        pboc = User.objects.get(username="pboc")
        seen = warnings_visible(pboc)
        # The villagers naming the unlicensed company: the claimant cluster, a lead, new on arrival.
        lead = seen.get(detector=Detector.CLUSTER)
        assert (lead.kind, lead.state, lead.dimension) == (WarningKind.LEAD, WarningState.NEW, Dimension.RESPONDENT)
        assert lead.label == "龙岩鑫汇投资咨询有限公司" and lead.claimants == 20
        # The twelve consumer-loan disputes telling one intermediary's story: a lead on near-identical facts.
        facts = seen.get(detector=Detector.FACTS)
        assert facts.kind == WarningKind.LEAD and set(self.result.story_case_ids["cluster"]) <= set(facts.case_ids)
        assert "兴业银行" in facts.label and facts.claimants >= 12
        # The same villagers are not raised a second time as a facts lead.
        villagers = set(cases_behind(lead).values_list("pk", flat=True))
        assert len(villagers) == 20
        assert all(not villagers & set(w.case_ids or []) for w in RiskWarning.objects.filter(detector=Detector.FACTS))
        # The banks' batches and API deliveries are collection work: no warning about them or their cases.
        batch = set(self.result.batch_case_ids)
        own = set(Case.objects.filter(door__in=[Door.BATCH, Door.API]).values_list("pk", flat=True))
        assert batch <= own
        psbc = Organisation.objects.get(short_name="邮储银行龙岩市分行")
        for w in RiskWarning.objects.all():
            assert w.dimension != Dimension.COLLECTION
            assert not (w.dimension == Dimension.INSTITUTION and w.institution_id == psbc.pk)
            assert not set(cases_behind(w).values_list("pk", flat=True)) & own, w

    def test_story_7_a_station_files_for_a_villager(self) -> None:
        cases = self.story("station")
        assert cases
        for case in cases:
            assert case.door == Door.STATION and case.station is not None
            assert case.created_by is not None and case.created_by.organisation == case.station
        agent = User.objects.get(username="station")
        assert Case.objects.restrict(agent).filter(pk__in=[c.pk for c in cases]).exists()

    def test_mediation_work_is_audited_and_on_the_timeline(self) -> None:
        from xietong.mediation.models import Assignment, ContactLog, MediationSession, Offer

        def events(kind: str) -> int:
            return CaseEvent.objects.filter(kind=kind).count()

        def entries(action: str) -> int:
            return AuditEntry.objects.filter(action=action).count()

        assert Offer.objects.exists() and ContactLog.objects.exists() and MediationSession.objects.exists()
        assert events("offer_made") == Offer.objects.count() == entries(AuditAction.MEDIATION_OFFER)
        assert events("contact_logged") == ContactLog.objects.count() == entries(AuditAction.MEDIATION_CONTACT)
        assert events("mediation_session") == MediationSession.objects.count()
        assert events("mediator_assigned") == Assignment.objects.count() == entries(AuditAction.MEDIATION_ASSIGN)
        # Story 3: the debtor in Jakarta set his time zone, was contacted by message, bargained online.
        (case,) = self.story("abroad")
        person = case.parties.get(person__isnull=False).person
        assert person.timezone == "Asia/Jakarta"
        session = MediationSession.objects.get(case=case)
        assert session.mode == "online" and session.status == "held"
        assert list(Offer.objects.filter(case=case).order_by("pk").values_list("side", "status")) == [
            ("debtor", "countered"),
            ("institution", "accepted"),
        ]
        kinds = list(case.events.values_list("kind", flat=True))
        assert kinds.index("offer_answered") < kinds.index("reach_agreement")

    def test_every_event_kind_on_a_demo_timeline_has_a_label_in_both_languages(self) -> None:
        from django.utils import translation

        from xietong.cases.registry import registry
        from xietong.cases.workflow import TRANSITIONS

        for kind in CaseEvent.objects.values_list("kind", flat=True).distinct():
            assert kind in TRANSITIONS or kind in registry.event_kinds, kind
            event = CaseEvent.objects.filter(kind=kind).first()
            assert event is not None
            with translation.override("en"):
                english = str(event.label)
            with translation.override("zh-hans"):
                chinese = str(event.label)
            assert english and english != kind and chinese != english, kind

    # People --------------------------------------------------------------------------------------

    def test_every_person_has_a_valid_longyan_id_number(self) -> None:
        persons = list(Person.objects.all())
        assert 300 <= len(persons) <= 440  # story 6 adds twenty villagers, story 5 about eighty card holders
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
        # Every case and every transition left its entry; a batch's import has one for all its cases
        # (their opening and their automatic triage).
        imported = set(BatchRow.objects.exclude(case=None).values_list("case_id", flat=True))
        assert AuditEntry.objects.filter(action=AuditAction.CASE_CREATE).count() == Case.objects.count() - len(imported)
        imports = AuditEntry.objects.filter(action=AuditAction.BATCH_IMPORT)
        assert sum(e.after["cases"] for e in imports) == len(imported) == BATCH_SIZE
        moves = (
            CaseEvent.objects.exclude(to_state="")
            .exclude(kind="created")
            .exclude(kind="triage", case_id__in=imported)
            .count()
        )
        assert AuditEntry.objects.filter(action=AuditAction.CASE_TRANSITION).count() == moves

    def test_every_case_has_its_status_document_as_a_fresh_build_makes_it(self) -> None:
        # The replay defers the documents to the end of the load (cases/status.py: status_docs_deferred).
        assert CaseStatusDoc.objects.count() == Case.objects.count()
        assert status_docs_stale() == []

    def test_the_command_summarises_the_load(self) -> None:
        text = self.summary
        assert "Demo region loaded" in text
        assert f"cases {self.result.cases}," in text
        assert "82 closed within the month (92%)" in text
        for state in CaseState:
            assert f"{state.value:<11} {self.result.states.get(state.value, 0):>4}" in text
        assert audit_verify()[1] is None

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
        real = engine.Region.take_step

        def flaky(self: engine.Region, plan: engine.Plan, step: engine.Step) -> None:
            calls["n"] += 1
            if calls["n"] == 150:
                raise RuntimeError("boom")
            real(self, plan, step)

        with mock.patch.object(engine.Region, "take_step", flaky), self.assertRaisesMessage(RuntimeError, "boom"):
            load_region()
        assert _counts() == dict.fromkeys(_counts(), 0)
        # The clock is real again.
        assert abs(timezone.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


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
