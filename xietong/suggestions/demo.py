"""Demo story 5: the Longyan Rural Commercial Bank's service-address forms, a judicial suggestion, and after.

The bank files its overdue credit-card cases online, each with the 送达地址确认书 its customer filled in
when applying for the card. Until the bank changes its form, most are filled in badly — only a district
or a street with no house number, or the name written into the address — and the mediation notices
posted to those addresses come back (地址错误, 查无此人). The forms add up to a candidate; the judge
(`judge`) drafts a suggestion, the division head (`head`) signs it off, the clerk serves it on the bank
in the platform and copies it to the banking and financial regulators; the bank's operator (`rcb`)
answers: a substantive address-confirmation clause added to the card application. Its later cases come
with clear addresses, and the effect review, two months after the answer, shows the rate falling.

Two parts, both through the services:

- `plan_story(region)`, called while the region plans its history (xietong/demo/region.py): the
  bank's cases are filed, confirmed, triaged, mediated, served (letters and their outcomes; a letter
  that came back is followed by the mediator's phone call, not a second letter) and withdrawn at their
  moments of the history, under the region's simulated clock.
- `seed(actor=...)`, a DEMO_EXTENSION run after the others (the service demo has added the other
  banks' letters by then): the suggestion, found as a candidate on the day it was drafted (the register
  counts over a window, so "as it was then" is exact) and taken through sign-off, service, answer and
  review with the times of the history (`at=`); no message is sent for the history.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.audit.services import SYSTEM
from xietong.cases.choices import Door, PartyRole, Product, TeamKind
from xietong.cases.models import Case, Category, Team
from xietong.demo.data import DIVISION_HEAD

BANK_NAME = "福建龙岩农村商业银行股份有限公司"
COURT_CODE = "闽0802"
HEAD = DIVISION_HEAD
# Days from the start of the history (the region's `floor`).
DRAFT_FROM, DRAFT_TO = 36, 46  # the first day in this range on which the bank stands out
ANSWER_DAY = 57  # the bank answers
CLAUSE_DAY = ANSWER_DAY + 2  # its new clause is in use from here
BEFORE_EVERY, AFTER_EVERY = 7 / 6, 2.0  # days between filings: six a week, then three or four
BAD_SHARE = 0.7  # of the forms before the new clause
FAIL_BAD, FAIL_GOOD = 0.8, 0.03  # letters that come back, by the form they were posted to
REVIEW_MONTHS = 2

_STORY: dict[str, Any] = {}
_PDF: dict[str, bytes] = {}


def _pdf(template: str, context: dict[str, Any] | None = None) -> bytes:
    if template not in _PDF:
        from xietong.documents.render import render_pdf

        _PDF[template] = render_pdf(template, context or {})
    return _PDF[template]


def _office(t: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same day (or the next) between 9:00 and 17:00 local time."""
    local = timezone.localtime(t)
    day = local.date() if local.hour < 17 else local.date() + dt.timedelta(days=1)
    minutes = rng.randint(9 * 60, 16 * 60 + 50)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=local.tzinfo)


def _bad_address(rng: random.Random, name: str, region: str, line: str) -> tuple[str, str]:
    """A badly filled form and what the post office writes on the letter that comes back."""
    street = re.split(r"[0-9]", line, maxsplit=1)[0]
    kind = rng.choice(("district", "street", "mixed", "mixed"))
    if kind == "district":
        return region, "送达地址确认书仅填写至区县，无具体地址，无法投递"
    if kind == "street":
        return f"{region}{street}", "地址无门牌号，无法投递"
    return f"{name}（{street}）", "送达地址确认书中姓名与地址栏填写混淆，无法投递"


# The history: the bank's cases, under the region's clock ---------------------------------------------


def plan_story(region: Any) -> None:
    """Place the bank's cases in the region's timeline (called by the region while it plans)."""
    from xietong.accounts.services import user_create
    from xietong.demo.people import CitizenFactory

    bank = Organisation.objects.filter(name=BANK_NAME).first()
    court = Organisation.objects.filter(kind=OrganisationKind.COURT, court_code=COURT_CODE).first()
    if bank is None or court is None:
        return
    rng = random.Random("suggestions-demo")  # noqa: S311 - fictitious demo data
    users = {u.username: u for u in User.objects.filter(organisation__in=[bank, court])}
    head = user_create(
        actor=SYSTEM,
        username=HEAD[0],
        password=None,
        password_hash=users["judge"].password,
        role=Role.JUDGE,
        organisation=court,
        full_name=HEAD[1],
        email=f"{HEAD[0]}@demo.xietong.invalid",
    )
    from .services import signer_appoint

    signer_appoint(actor=SYSTEM, user=head)
    floor, deadline = region.floor, region.deadline
    _STORY.clear()
    _STORY.update(
        floor=floor,
        case_ids=[],
        bank=bank.pk,
        court=court.pk,
        answer_at=_office(floor + dt.timedelta(days=ANSWER_DAY), rng),
        clause_from=floor + dt.timedelta(days=CLAUSE_DAY),
    )
    people = CitizenFactory(random.Random("suggestions-demo:people"))  # noqa: S311 - fictitious data
    t = floor + dt.timedelta(days=1)
    n = 0
    while t < deadline - dt.timedelta(days=1):
        filed = _office(t, rng)
        if filed >= deadline:
            break
        n += 1
        _plan_case(region, rng, people, n=n, filed=filed, deadline=deadline, bank=bank, court=court, users=users)
        every = BEFORE_EVERY if t < _STORY["clause_from"] else AFTER_EVERY
        t += dt.timedelta(days=every * rng.uniform(0.6, 1.4))


def _plan_case(
    region: Any,
    rng: random.Random,
    people: Any,
    *,
    n: int,
    filed: dt.datetime,
    deadline: dt.datetime,
    bank: Organisation,
    court: Organisation,
    users: dict[str, User],
) -> None:
    state: dict[str, Any] = {}
    good = filed >= _STORY["clause_from"] or rng.random() >= BAD_SHARE
    fails = rng.random() < (FAIL_GOOD if good else FAIL_BAD)
    principal = Decimal(rng.randint(3_000, 48_000))
    interest = (principal * Decimal(rng.uniform(0.05, 0.18))).quantize(Decimal("0.01"))
    penalty = (principal * Decimal(rng.uniform(0.0, 0.05))).quantize(Decimal("0.01"))
    mediator = rng.choice(("mediator2", "mediator3", "mediator4"))
    seed = rng.random()
    mine = random.Random(seed)  # noqa: S311 - fictitious data: this case's own draws, whenever they run

    last = [filed]

    def at(days: float, fn: Any) -> None:
        """Each step in office hours, after the one before it."""
        when = _office(filed + dt.timedelta(days=days), rng) if days else filed
        when = max(when, last[0] + dt.timedelta(minutes=rng.randint(8, 40)) if days else filed)
        last[0] = when
        if when < deadline:
            region.timeline.at(when, fn)

    def file() -> None:
        from xietong.cases.services import PersonParty, case_create
        from xietong.intake.services import ServiceAddress, service_address_confirm
        from xietong.parties.models import Person
        from xietong.parties.services import person_create

        c = people.citizen()
        while Person.objects.filter(id_number=c.id_number).exists():
            c = people.citizen()
        person = person_create(actor=SYSTEM, name=c.name, id_number=c.id_number, phone=c.phone, addresses=c.addresses)
        operator = User.objects.get(username="rcb")
        case = case_create(
            actor=operator,
            court=court,
            institution=bank,
            product=Product.CREDIT_CARD,
            door=Door.ONLINE,
            persons=[PersonParty(person=person, role=PartyRole.RESPONDENT)],
            principal=principal,
            interest=interest,
            penalty=penalty,
            category=Category.objects.filter(code="credit-card").first(),
            facts=(
                f"被申请人{person.name}于{timezone.localtime(filed).year - rng.randint(2, 6)}年向申请人申领信用卡，"
                f"后未按约还款，截至{timezone.localtime(filed):%Y年%m月%d日}尚欠透支本金{principal}元。"
            ),
            claims=f"请求被申请人偿还透支本金{principal}元及利息、违约金。",
            submitted_at=filed,
        )
        domicile = person.addresses.order_by("pk").first()
        region_text, line = (domicile.region, domicile.line) if domicile else ("福建省龙岩市新罗区", "")
        if good:
            address, why = f"{region_text}{line}", ""
            if filed >= _STORY["clause_from"]:
                address += "（本人逐项填写并核对）"
        else:
            address, why = _bad_address(mine, person.name, region_text, line)
        service_address_confirm(
            actor=operator,
            case=case,
            person=person,
            confirmed_by=person,
            address=ServiceAddress(address=address, phone=person.phone, consent_electronic_service=False),
        )
        state.update(case=case.pk, why=why, correct=f"{region_text}{line}")
        _STORY["case_ids"].append(case.pk)

    def triage() -> None:
        from xietong.cases.services import case_assign_team
        from xietong.mediation.services import mediation_assign
        from xietong.triage.services import case_auto_triage

        clerk = User.objects.get(username="clerk2")
        # The rules triage it, as at every door (a credit-card dispute: mediable, normal track).
        case_auto_triage(case=state["case"], actor=clerk, note="材料齐全，予以受理，转诉前调解。")
        team = Team.objects.filter(court=court, kind=TeamKind.PRE_MEDIATION).first()
        if team is not None:
            case_assign_team(case=state["case"], actor=clerk, team=team)
        mediation_assign(actor=clerk, case=state["case"], mediator=User.objects.get(username=mediator))

    def mediate() -> None:
        from xietong.cases.services import case_start_mediation
        from xietong.service.choices import DocumentKind
        from xietong.service.services import service_send

        case_start_mediation(case=state["case"], actor=User.objects.get(username=mediator))
        case = Case.objects.get(pk=state["case"])
        debtor = case.parties.filter(person__isnull=False).first()
        document = service_send(
            actor=User.objects.get(username="clerk2"),
            case=case,
            kind=DocumentKind.NOTICE,
            title="调解通知书",
            content=_pdf("service/demo_document.html"),
            filename="mediation-notice.pdf",
            recipients=[debtor] if debtor else None,
            notify=False,
        )
        state["record"] = document.records.get().pk
        state["track"] = f"11{mine.randrange(10**11):011d}"

    def outcome() -> None:
        from xietong.service.choices import AttemptMethod, Outcome
        from xietong.service.services import service_attempt_record

        if "record" not in state:
            return
        clerk = User.objects.get(username="clerk2")
        if fails:
            reason = Outcome.ADDRESS_WRONG if state["why"] or mine.random() < 0.6 else Outcome.MOVED
            note = state["why"] or "查无此人"
        else:
            reason, note = Outcome.DELIVERED, ""
        service_attempt_record(
            actor=clerk,
            record=state["record"],
            method=AttemptMethod.POSTAL,
            outcome=reason,
            tracking_number=state["track"],
            note=note,
        )

    def withdraw() -> None:
        from xietong.cases.services import case_withdraw

        case_withdraw(
            case=state["case"],
            actor=User.objects.get(username="rcb"),
            note="经调解，被申请人已一次性结清欠款，申请人撤回调解申请。",
        )

    at(0, file)
    at(0.3, triage)
    at(1.0, mediate)
    # A letter that came back is not posted again: the mediator reaches the debtor by phone (the
    # notice stays unserved on the record, as the letter's note says why).
    at(rng.uniform(3, 6), outcome)
    at(rng.uniform(16, 26), withdraw)


# The suggestion, after the history -------------------------------------------------------------------

RECOMMENDATIONS = [
    "在信用卡申领合约中增设实质性送达地址确认条款，明确约定送达地址及其法律后果，由申请人本人逐项填写、签字确认；",
    "规范送达地址确认书的填写与审核，姓名、地址分栏填写，地址须具体到门牌号，客户经理当面核对后方可受理；",
    "对存量信用卡客户的送达地址开展核对更新，并对一线业务人员开展专项培训。",
]
ANSWER = (
    "我行已修订《信用卡申领合约》及《送达地址确认书》：在申领环节增设实质性送达地址确认条款，要求申请人逐项填写"
    "姓名、详细地址（至门牌号）及联系电话，明确告知地址不实的法律后果，并由客户经理当面核对签字；新条款自"
    "{day}起在全行施行。同时对存量逾期信用卡客户分批开展地址核对，并对各支行信用卡业务人员进行了专项培训。"
)


def seed(*, actor: Any) -> None:
    """The suggestion of story 5, at the times of the history. Needs the region planned by `plan_story`."""
    from .candidates import candidates
    from .choices import Defect
    from .measure import query_for, run
    from .selectors import defect_register
    from .services import (
        AnswerItem,
        court_settings_save,
        review_due_on,
        suggestion_answer,
        suggestion_draft,
        suggestion_open,
        suggestion_send,
        suggestion_sign,
        suggestions_daily,
    )

    if not _STORY.get("case_ids"):
        return
    bank = Organisation.objects.get(pk=_STORY["bank"])
    court = Organisation.objects.get(pk=_STORY["court"])
    court_settings_save(
        actor=actor,
        court=court,
        number_prefix=COURT_CODE,
        reply_months=2,
        second_signer_required=True,
        escalate_after_days=15,
        review_months=REVIEW_MONTHS,
    )
    floor: dt.datetime = _STORY["floor"]
    rng = random.Random("suggestions-demo:seed")  # noqa: S311
    drafted_at = None
    for day in range(DRAFT_FROM, DRAFT_TO + 1):
        when = _office(floor + dt.timedelta(days=day), rng).replace(hour=10, minute=5)
        rows = defect_register(since=when - dt.timedelta(days=31 * 6), until=when)
        found = [
            c
            for c in candidates(rows, today=timezone.localtime(when).date())
            if c["institution_id"] == bank.pk and c["defect"] == Defect.SERVICE_ADDRESS
        ]
        if found:
            drafted_at = when
            break
    if drafted_at is None:  # the history did not make the bank stand out: no story (the demo's tests say so)
        return
    query = query_for(institution_id=bank.pk, defect=Defect.SERVICE_ADDRESS, now=drafted_at)
    figures = run(query)
    judge = User.objects.get(username="judge")
    regulators = list(
        Organisation.objects.filter(
            kind__in=[OrganisationKind.BANKING_REGULATOR, OrganisationKind.FINANCIAL_REGULATOR]
        ).order_by("pk")
    )
    first = figures["months"][0]["month"] if figures["months"] else f"{timezone.localtime(query.since):%Y-%m}"
    since = f"{int(first[:4])}年{int(first[5:7])}月"
    rate = round(100 * figures["rate"])
    others = round(100 * figures["others_rate"])
    s = suggestion_draft(
        actor=judge,
        institution=bank,
        title="关于规范信用卡业务送达地址确认工作的司法建议",
        problems=(
            f"经统计，{since}以来本院向你行作为申请人的纠纷案件当事人邮寄、直接送达文书{figures['n']}次，"
            f"其中{figures['count']}次因地址错误、查无此人被退回，占{rate}%，其他金融机构合计为{others}%。"
            "经核查，退回的主要是信用卡纠纷案件：你行提交的送达地址确认书仅填写至区县或街道、无门牌号，"
            "或将姓名与地址混填，调解员只能逐一电话联系当事人，延误了纠纷的及时调处。"
        ),
        causes="信用卡申领环节对送达地址确认书的填写缺乏实质性审核；格式文本未分栏列明姓名、地址，亦未提示地址不实的法律后果。",
        recommendations=RECOMMENDATIONS,
        legal_basis=(
            "《中华人民共和国民事诉讼法》；《最高人民法院关于进一步加强民事送达工作的若干意见》；"
            "《最高人民法院关于加强司法建议工作的意见》"
        ),
        copies_to=regulators,
        snapshot_query=query.as_dict(),
        at=drafted_at,
        notify=False,
    )
    head = User.objects.get(username=HEAD[0])
    signed_at = drafted_at + dt.timedelta(days=1, minutes=25)
    suggestion_sign(actor=head, suggestion=s, at=signed_at, notify=False)
    sent_at = signed_at + dt.timedelta(days=1, hours=-1)
    suggestion_send(actor=User.objects.get(username="clerk"), suggestion=s, at=sent_at, notify=False)
    suggestion_open(
        actor=User.objects.get(username="rcb"), suggestion=s, at=sent_at + dt.timedelta(hours=2), notify=False
    )
    for reg in User.objects.filter(role=Role.REGULATOR, organisation__in=regulators).order_by("pk"):
        suggestion_open(actor=reg, suggestion=s, at=sent_at + dt.timedelta(days=1), notify=False)
    answer_at: dt.datetime = _STORY["answer_at"]
    clause_day = timezone.localtime(_STORY["clause_from"]).date()
    from django.core.files.uploadedfile import SimpleUploadedFile

    clause = SimpleUploadedFile(
        "送达地址确认条款.pdf", _pdf("suggestions/demo_clause.html", {"bank": bank.name, "day": clause_day})
    )
    suggestion_answer(
        actor=User.objects.get(username="rcb"),
        suggestion=s,
        actions=ANSWER.format(day=f"{clause_day:%Y年%m月%d日}"),
        items=[
            AnswerItem("adopted"),
            AnswerItem("adopted"),
            AnswerItem("partly", "存量客户数量较大，已完成逾期客户的地址核对，其余客户将于半年内分批完成。"),
        ],
        attachments=[clause],
        at=answer_at,
        notify=False,
    )
    s.refresh_from_db()
    due = review_due_on(s)
    if due is not None:
        review_at = dt.datetime.combine(due, dt.time(8, 20), tzinfo=timezone.get_current_timezone())
        if review_at < timezone.now():
            suggestions_daily(now=review_at, notify=False)
