"""Drafting, signing, freezing and voiding, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.support.agreements import agreement_make_draft, agreement_make_signed
from xietong.agreements.choices import DEFAULT_CLAUSE, AgreementStatus, SignatureMethod
from xietong.agreements.documents import canonical_json, content_hash
from xietong.agreements.models import Agreement, AgreementSignature, Instalment
from xietong.agreements.selectors import agreement_current, agreement_signed_for_case
from xietong.agreements.services import (
    agreement_draft,
    agreement_sign_code,
    agreement_sign_counter,
    agreement_sign_operator,
    agreement_sign_otp,
    agreement_void,
)
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, audit_verify
from xietong.cases.choices import CaseState
from xietong.cases.models import Case, CaseEvent, CaseParty
from xietong.cases.services import case_transition
from xietong.core.errors import DomainError, NotAllowed, NotFound

from .conftest import last_code

pytestmark = pytest.mark.django_db


def draft(world, case, **kw):
    args = {
        "actor": world.users["mediator"],
        "case": case,
        "waived": case.penalty,
        "months": 3,
        "first_due": timezone.localdate() + dt.timedelta(days=10),
        "default_clause": str(DEFAULT_CLAUSE),
    }
    args.update(kw)
    return agreement_draft(**args)


def snapshot():
    return (
        Agreement.objects.count(),
        Instalment.objects.count(),
        AgreementSignature.objects.count(),
        AuditEntry.objects.count(),
        CaseEvent.objects.count(),
        list(Agreement.objects.values_list("status", flat=True).order_by("pk")),
        list(Case.objects.values_list("state", flat=True).order_by("pk")),
    )


def parties(case):
    person = CaseParty.objects.get(case=case, person__isnull=False)
    bank = CaseParty.objects.get(case=case, organisation__isnull=False)
    return person, bank


# Drafting -------------------------------------------------------------------------------------


def test_the_mediator_drafts_a_plan_that_sums_exactly(world, mediating):
    a = draft(world, mediating)
    assert a.version == 1 and a.status == AgreementStatus.DRAFT
    assert a.total == Decimal("13000.00") and a.waived == Decimal("199.50") and a.agreed == Decimal("12800.50")
    amounts = list(a.instalments.values_list("amount", flat=True))
    assert amounts == [Decimal("4266.83"), Decimal("4266.83"), Decimal("4266.84")]
    assert sum(amounts) == a.agreed
    assert AuditEntry.objects.filter(action=AuditAction.AGREEMENT_DRAFT, object_id=str(a.pk)).exists()
    assert CaseEvent.objects.filter(case=mediating, kind="agreement_drafted").exists()
    assert agreement_current(mediating) == a


def test_a_hand_edited_plan_is_taken_when_exact_and_refused_otherwise(world, mediating):
    d = timezone.localdate() + dt.timedelta(days=5)
    plan = [(d, Decimal("800.50")), (d + dt.timedelta(days=31), Decimal("12000.00"))]
    a = draft(world, mediating, months=None, instalments=plan)
    assert [(i.due_date, i.amount) for i in a.instalments.all()] == plan
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        draft(
            world,
            mediating,
            months=None,
            instalments=[(d, Decimal("800.50")), (d + dt.timedelta(days=31), Decimal("11999.99"))],
        )
    assert exc.value.code == "plan_sum"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("who", "code"), [("other_mediator", "not_found"), ("clerk", "not_case_mediator"), ("party", "not_case_mediator")]
)
def test_only_the_cases_mediator_drafts(world, mediating, who, code):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        draft(world, mediating, actor=world.users[who])
    assert exc.value.code == code
    assert snapshot() == before


def test_no_draft_outside_mediation(world):
    case = world.cases["bank"]  # triaged
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        draft(world, case)
    assert exc.value.code == "not_mediating"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"waived": "1000.01"}, "waived_too_much"),
        ({"waived": "-1"}, "amount_negative"),
        ({"waived": "1.001"}, "amount_cents"),
        ({"default_clause": "  "}, "no_default_clause"),
        ({"months": None}, "plan_missing"),
        ({"first_due": dt.date(2020, 1, 1)}, "plan_past"),
        ({"months": 0}, "plan_months"),
    ],
)
def test_bad_drafts_are_refused_and_change_nothing(world, mediating, kw, code):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        draft(world, mediating, **kw)
    assert exc.value.code == code
    assert snapshot() == before


def test_a_new_draft_voids_the_unsigned_one_and_keeps_the_history(world, mediating):
    a1 = draft(world, mediating)
    a2 = draft(world, mediating, months=6)
    a1.refresh_from_db()
    assert (a1.status, a2.version, a2.status) == (AgreementStatus.VOID, 2, AgreementStatus.DRAFT)
    assert a1.instalments.count() == 3 and a2.instalments.count() == 6
    assert "2" in a1.void_reason
    assert agreement_current(mediating) == a2


def test_a_signed_in_part_version_must_be_voided_before_a_new_draft(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    _, bank = parties(mediating)
    agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=bank)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        draft(world, mediating)
    assert exc.value.code == "signed_in_part"
    assert snapshot() == before
    # The mediator voids it with a reason; the signature stays on record, void with it.
    with pytest.raises(DomainError) as exc:
        agreement_void(actor=world.users["mediator"], agreement=a, reason=" ")
    assert exc.value.code == "note_required"
    agreement_void(actor=world.users["mediator"], agreement=a, reason="被申请人要求调整还款期数")
    a.refresh_from_db()
    assert a.status == AgreementStatus.VOID and a.signatures.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.AGREEMENT_WITHDRAW, object_id=str(a.pk)).exists()
    assert draft(world, mediating).version == 2


# Signing --------------------------------------------------------------------------------------


def test_every_party_signs_and_the_last_signature_freezes_and_moves_the_case(
    world, mediating, outbox, django_capture_on_commit_callbacks
):
    a = agreement_make_draft(mediating, world.users["mediator"])
    person, bank = parties(mediating)
    agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=bank)
    assert Case.objects.get(pk=mediating.pk).state == CaseState.MEDIATING
    # The party user acts for the borrower: the code goes to the relative's own phone.
    with django_capture_on_commit_callbacks(execute=True):
        masked = agreement_sign_code(actor=world.users["party"], agreement=a, case_party=person)
    assert outbox[-1].to == world.persons["relative"].phone
    assert masked != world.persons["relative"].phone and masked[-4:] == world.persons["relative"].phone[-4:]
    with django_capture_on_commit_callbacks(execute=False) as rendered_after_commit:
        s = agreement_sign_otp(
            actor=world.users["party"], agreement=a, case_party=person, code=last_code(outbox), render_pdf=True
        )
    a.refresh_from_db()
    assert not a.pdf  # nothing renders while the signature's transaction holds its locks
    for callback in rendered_after_commit:
        callback()
    assert s.method == SignatureMethod.OTP and "黄小明" in s.signer and "黄大明" in s.signer
    a.refresh_from_db()
    assert a.status == AgreementStatus.SIGNED and a.frozen_at is not None
    assert a.content_hash == content_hash(a.content)
    assert len(a.content_hash) == 64
    assert [p["name"] for p in a.content["parties"]] == ["黄大明", world.bank.name]
    assert "350802198003150016" not in canonical_json(a.content)  # masked IDs only
    assert [i["amount"] for i in a.content["instalments"]] == ["4266.83", "4266.83", "4266.84"]
    assert len(a.content["signatures"]) == 2
    freeze = AuditEntry.objects.get(action=AuditAction.AGREEMENT_FREEZE, object_id=str(a.pk))
    assert freeze.after["content_hash"] == a.content_hash
    assert a.pdf and len(a.pdf_sha256) == 64
    case = Case.objects.get(pk=mediating.pk)
    assert case.state == CaseState.AGREEMENT
    event = CaseEvent.objects.filter(case=case, kind="reach_agreement").get()
    assert event.actor_label == "system" and a.content_hash[:16] in event.note
    assert agreement_signed_for_case(case) == a
    assert audit_verify()[1] is None


def test_a_second_click_returns_the_same_signature_and_writes_nothing(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    _person, bank = parties(mediating)
    first = agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=bank)
    before = snapshot()
    again = agreement_sign_operator(actor=world.users["bank"], agreement=a)
    assert again.pk == first.pk and snapshot() == before
    again = agreement_sign_operator(actor=world.api_client, agreement=a)  # the bank's API client too
    assert again.pk == first.pk and snapshot() == before


def test_a_second_otp_click_after_freezing_writes_nothing(world, mediating, outbox, django_capture_on_commit_callbacks):
    a = agreement_make_draft(mediating, world.users["mediator"])
    person, bank = parties(mediating)
    agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=bank)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_sign_code(actor=world.users["party"], agreement=a, case_party=person)
    code = last_code(outbox)
    s = agreement_sign_otp(actor=world.users["party"], agreement=a, case_party=person, code=code)
    before = snapshot()
    assert agreement_sign_otp(actor=world.users["party"], agreement=a, case_party=person, code=code).pk == s.pk
    assert snapshot() == before


def test_a_wrong_code_is_refused_counted_and_changes_nothing(
    world, mediating, outbox, django_capture_on_commit_callbacks
):
    from xietong.notifications.models import OtpChallenge

    a = agreement_make_draft(mediating, world.users["mediator"])
    person, _ = parties(mediating)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_sign_code(actor=world.users["party"], agreement=a, case_party=person)
    right = last_code(outbox)
    wrong = "000000" if right != "000000" else "111111"
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        agreement_sign_otp(actor=world.users["party"], agreement=a, case_party=person, code=wrong)
    assert exc.value.code == "otp_invalid"
    assert snapshot() == before
    assert OtpChallenge.objects.get().attempts == 1
    # an expired code is refused too
    OtpChallenge.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(DomainError) as exc:
        agreement_sign_otp(actor=world.users["party"], agreement=a, case_party=person, code=right)
    assert exc.value.code == "otp_invalid"
    assert AgreementSignature.objects.count() == 0


@pytest.mark.parametrize("who", ["stranger", "other_bank", "bank", "clerk", "judge"])
def test_someone_who_may_not_sign_for_the_person_is_refused(world, mediating, who):
    a = agreement_make_draft(mediating, world.users["mediator"])
    person, _ = parties(mediating)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        agreement_sign_otp(actor=world.users[who], agreement=a, case_party=person, code="123456")
    assert exc.value.code in ("not_found", "not_signer")
    assert snapshot() == before


def test_the_operator_of_another_bank_is_refused(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    _, bank = parties(mediating)
    before = snapshot()
    for actor in (world.users["other_bank"], world.users["bank"].__class__.objects.get(username="other_bank")):
        with pytest.raises(DomainError) as exc:
            agreement_sign_operator(actor=actor, agreement=a, case_party=bank)
        assert exc.value.code == "not_found"  # the other bank does not even see the case
    with pytest.raises(DomainError):
        agreement_sign_operator(actor=world.users["party"], agreement=a, case_party=bank)
    assert snapshot() == before


def test_a_party_of_another_case_is_not_a_party_here(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    elsewhere = CaseParty.objects.filter(case=world.cases["other_court"], organisation=world.bank).get()
    before = snapshot()
    with pytest.raises(NotAllowed) as exc:
        agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=elsewhere)
    assert exc.value.code == "not_a_party"
    with pytest.raises(NotAllowed) as exc:
        agreement_sign_counter(actor=world.users["clerk"], agreement=a, case_party=elsewhere)
    assert exc.value.code == "not_a_party"
    assert snapshot() == before


def test_a_draft_not_sent_is_not_open_for_signing(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"], send=False)
    _, bank = parties(mediating)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=bank)
    assert exc.value.code == "not_signing"
    assert snapshot() == before


def test_a_void_agreement_cannot_be_signed(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    agreement_void(actor=world.users["mediator"], agreement=a, reason="重新协商")
    _, bank = parties(mediating)
    with pytest.raises(DomainError) as exc:
        agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=bank)
    assert exc.value.code == "not_signing"


def test_no_signature_once_the_case_left_mediation(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    case_transition(case=mediating, code="withdraw", actor=world.users["clerk"], note="申请人撤回")
    _, bank = parties(mediating)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        agreement_sign_operator(actor=world.users["bank"], agreement=a, case_party=bank)
    assert exc.value.code == "not_mediating"
    assert snapshot() == before


def test_counter_signatures_are_recorded_by_staff_and_the_mediator_only(world, mediating):
    a = agreement_make_draft(mediating, world.users["mediator"])
    person, _ = parties(mediating)
    for who in ("bank", "party", "judge"):
        with pytest.raises(NotAllowed):
            agreement_sign_counter(actor=world.users[who], agreement=a, case_party=person)
    s = agreement_sign_counter(actor=world.users["clerk"], agreement=a, case_party=person)
    assert s.method == SignatureMethod.COUNTER and s.signed_by == world.users["clerk"]


# The workflow guard ---------------------------------------------------------------------------


def test_reach_agreement_is_refused_without_a_signed_agreement(world, mediating):
    agreement_make_draft(mediating, world.users["mediator"])
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        case_transition(case=mediating, code="reach_agreement", actor=SYSTEM)
    assert exc.value.code == "no_signed_agreement"
    for who in ("mediator", "clerk", "admin"):
        with pytest.raises(NotAllowed) as exc:
            case_transition(case=mediating, code="reach_agreement", actor=world.users[who])
        assert exc.value.code == "role"
    assert snapshot() == before


def test_the_helper_signs_through_the_services(world, mediating):
    a = agreement_make_signed(mediating, world.users["mediator"], months=2)
    assert a.status == AgreementStatus.SIGNED and not a.pdf
    assert Case.objects.get(pk=mediating.pk).state == CaseState.AGREEMENT
    methods = sorted(AgreementSignature.objects.filter(agreement=a).values_list("method", flat=True))
    assert methods == [SignatureMethod.COUNTER, SignatureMethod.OPERATOR]


# Voiding --------------------------------------------------------------------------------------


def test_the_court_voids_a_signed_agreement_and_a_new_draft_is_needed(world, mediating):
    a = agreement_make_signed(mediating, world.users["mediator"])
    with pytest.raises(DomainError) as exc:
        agreement_void(actor=world.users["mediator"], agreement=a, reason="想改")
    assert exc.value.code == "with_the_court"
    with pytest.raises(NotFound):
        agreement_void(actor=world.users["other_judge"], agreement=a, reason="不予确认")
    agreement_void(actor=world.users["judge"], agreement=a, reason="不予确认：还款期限过长")
    a.refresh_from_db()
    assert a.status == AgreementStatus.VOID and agreement_signed_for_case(mediating) is None


def test_after_a_refused_confirmation_a_new_draft_supersedes_the_signed_version(world, mediating):
    a = agreement_make_signed(mediating, world.users["mediator"])
    Case.objects.filter(pk=mediating.pk).update(state=CaseState.MEDIATING)  # as a refusal would
    b = agreement_make_signed(mediating, world.users["mediator"])
    a.refresh_from_db()
    assert a.status == AgreementStatus.VOID and b.version == 2 and b.status == AgreementStatus.SIGNED
    assert agreement_signed_for_case(mediating) == b


# Prefill from the mediation -------------------------------------------------------------------


def test_the_draft_form_starts_from_the_accepted_offer(world, mediating):
    from xietong.agreements.panels import draft_prefill
    from xietong.mediation.choices import OfferSide, OfferStatus
    from xietong.mediation.models import Offer

    plain = draft_prefill(mediating)
    assert (plain["waived"], plain["months"], plain["source"]) == (Decimal("199.50"), 1, "")
    due = timezone.localdate() + dt.timedelta(days=20)
    Offer.objects.create(
        case=mediating,
        side=OfferSide.values[0],
        made_by="黄小明",
        total=Decimal("12500.00"),
        instalments=6,
        first_payment_on=due,
        waived=Decimal("500.00"),
        status=OfferStatus.ACCEPTED,
        answered_at=timezone.now(),
    )
    filled = draft_prefill(mediating)
    assert filled["source"] == "offer"
    assert (filled["waived"], filled["months"], filled["first_due"]) == (Decimal("500.00"), 6, due)
    a = draft(world, mediating, waived=filled["waived"], months=filled["months"], first_due=filled["first_due"])
    assert a.agreed == Decimal("12500.00") and a.instalments.count() == 6


@pytest.mark.parametrize("months", [19, 21])  # without break-inside the block splits at these lengths
def test_the_pdf_keeps_its_signatures_on_one_page_and_prints_local_times(world, mediating, months):
    import io
    import re

    from pypdf import PdfReader

    from xietong.agreements.documents import agreement_render_pdf

    a = agreement_make_signed(mediating, world.users["mediator"], months=months)
    pages = [p.extract_text().replace(" ", "") for p in PdfReader(io.BytesIO(agreement_render_pdf(a))).pages]
    assert len(pages) > 1
    with_heading = [i for i, t in enumerate(pages) if "签名确认" in t]
    assert len(with_heading) == 1
    block = pages[with_heading[0]]
    assert world.court.name in block and "SHA-256" in block  # the seal and the hash on the same page
    signed = timezone.localtime(a.signatures.order_by("signed_at").last().signed_at)
    assert signed.strftime("%Y年%m月%d日%H:%M") in block
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", "".join(pages))  # no ISO times
