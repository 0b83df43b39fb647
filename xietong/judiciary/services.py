"""Writes for the judiciary: confirmation review and ruling, filing request and filing, hearings, outcome.

Every service locks the case row, checks who acts and in which state, records its rows, the
timeline and the audit trail in one transaction, and takes the case's transitions only through
`case_transition` (whose guards, in cases/workflow.py, look for the rows recorded here).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.choices import CaseState
from xietong.cases.guards import actor_in_case_court
from xietong.cases.models import Case, CaseEvent, CaseParty
from xietong.cases.services import case_event_record, case_lock, case_transition
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.core.messages import message
from xietong.core.money import money_parse
from xietong.documents.render import sha256

from .choices import CHECKLIST, FilingChannel, HearingStatus, OutcomeKind, ReviewDecision, RulingKind
from .documents import hearing_notice_html, hearing_notice_pdf, ruling_body, ruling_pdf_bytes, ruling_render
from .models import ConfirmationReview, FilingRequest, Hearing, Ruling, TrialOutcome
from .permissions import APPLICANT_ROLES, plaintiff_channel

logger = logging.getLogger(__name__)


def _visible_case(actor: Any, case: Case | int) -> Case:
    """Lock the case and check the actor may see it (another court's staff get 'no such case')."""
    locked = case_lock(case)
    if not Case.objects.restrict(actor).filter(pk=locked.pk).exists():
        raise NotFound(_("No such case."))
    return locked


def _court_member(actor: Any, case: Case, action: str, message: str) -> None:
    """`action` of a court's staff: refused for any other role, and for another court's staff."""
    if not may(actor, action):
        raise NotAllowed(message, code="role")
    actor_in_case_court(case, actor, "")


def _latest_event(case: Case, kind: str) -> CaseEvent:
    return CaseEvent.objects.filter(case=case, kind=kind).latest("pk")


# Judicial confirmation ------------------------------------------------------------------------


def unticked_items(checks: dict[str, bool]) -> list[str]:
    return [str(label) for name, label in CHECKLIST if not checks.get(name)]


@transaction.atomic
def confirmation_decide(
    *,
    actor: Any,
    case: Case | int,
    decision: str,
    voluntary: bool = False,
    lawful: bool = False,
    within_jurisdiction: bool = False,
    parties_identified: bool = False,
    reasons: str = "",
    start_performance: bool = True,
    render: bool = True,
) -> ConfirmationReview:
    """A judge of the case's court reviews the signed agreement and confirms it or refuses.

    Confirming needs every checklist item ticked; it issues the 民特 ruling (rendered to PDF) and
    moves the case on to performing (by the system, unless `start_performance` is False: the demo
    history takes that step itself). Refusing needs reasons; the case goes back to mediation and
    the agreement is voided. A second click on confirm returns the first review: one number only.
    `render=False` leaves the ruling's PDF to be rendered on its first download (the demo).
    """
    locked = _visible_case(actor, case)
    _court_member(actor, locked, "judiciary.judge", _("Only a judge of the court confirms agreements."))
    if decision not in ReviewDecision.values:
        raise DomainError(_("Choose to confirm or to refuse."), code="decision")
    reasons = reasons.strip()
    from xietong.agreements.selectors import agreement_current, agreement_signed_for_case

    if decision == ReviewDecision.CONFIRM and locked.state != CaseState.AGREEMENT:
        done = (
            ConfirmationReview.objects.filter(case=locked, decision=ReviewDecision.CONFIRM, ruling__isnull=False)
            .order_by("-pk")
            .first()
        )
        if done is not None:
            return done  # a double click: already confirmed, nothing more is issued
    if locked.state != CaseState.AGREEMENT:
        raise DomainError(
            _("Only a case whose agreement is signed awaits confirmation; this case is %(state)s.")
            % {"state": CaseState(locked.state).label},
            code="illegal_transition",
        )
    agreement = agreement_signed_for_case(locked)
    if agreement is None:
        raise DomainError(
            _("The agreement is not signed by every party: there is nothing to confirm."), code="agreement_not_signed"
        )
    checks = {
        "voluntary": voluntary,
        "lawful": lawful,
        "within_jurisdiction": within_jurisdiction,
        "parties_identified": parties_identified,
    }
    if decision == ReviewDecision.CONFIRM:
        missing = unticked_items(checks)
        if missing:
            raise DomainError(
                _("The agreement cannot be confirmed: not ticked: %(items)s.") % {"items": "; ".join(missing)},
                code="checklist_incomplete",
                details={"unticked": [name for name, _label in CHECKLIST if not checks[name]]},
            )
    elif not reasons:
        raise DomainError(_("Give the reasons for refusing confirmation."), code="note_required")
    current = agreement_current(locked)
    if current is not None and current.pk != agreement.pk:
        raise DomainError(_("A newer version of the agreement is being drafted."), code="agreement_changed")
    review = ConfirmationReview.objects.create(
        case=locked, agreement=agreement, judge=actor, decision=decision, reasons=reasons, **checks
    )
    audit_record(
        actor=actor,
        action=AuditAction.JUDICIARY_REVIEW,
        obj=review,
        after={
            "case": locked.number,
            "agreement": agreement.pk,
            "agreement_hash": agreement.content_hash,
            "decision": decision,
            "checklist": checks,
            "reasons": reasons,
        },
    )
    if decision == ReviewDecision.REFUSE:
        case_transition(case=locked, code="refuse_confirmation", actor=actor, note=reasons)
        review.event = _latest_event(locked, "refuse_confirmation")
        review.save(update_fields=["event"])
        from xietong.agreements.services import agreement_void

        agreement_void(actor=actor, agreement=agreement, reason=reasons)
        return review

    confirmed = case_transition(case=locked, code="confirm", actor=actor, note=reasons)
    event = _latest_event(locked, "confirm")
    review.event = event
    review.save(update_fields=["event"])
    ruling = Ruling(
        case=confirmed,
        kind=RulingKind.CONFIRMATION,
        number=event.data["number"],
        judge=actor,
        review=review,
        issued_at=event.at,
    )
    ruling.body = ruling_body(ruling, agreement=agreement)
    ruling.save()
    _ruling_recorded(actor, ruling)
    if render:
        # Rendered after the commit, in the background: no lock is held while a PDF renders. The
        # ruling is then served on every party (送达): by the link they consented to, or by post.
        ruling_id, judge_id = ruling.pk, actor.pk
        transaction.on_commit(lambda: ruling_deliver_enqueue(ruling_id=ruling_id, judge_id=judge_id))
    if start_performance:
        case_transition(case=confirmed, code="start_performance", actor=SYSTEM)
    return review


def _ruling_recorded(actor: Any, ruling: Ruling) -> None:
    """The ruling's text is frozen here with its hash; its PDF's hash is recorded when it is rendered."""
    case_event_record(
        ruling.case, actor=actor, kind="ruling_issued", data={"number": ruling.number, "ruling": ruling.kind}
    )
    audit_record(
        actor=actor,
        action=AuditAction.JUDICIARY_RULING,
        obj=ruling,
        after={
            "case": ruling.case.number,
            "kind": ruling.kind,
            "number": ruling.number,
            "body_sha256": sha256(ruling.body.encode("utf-8")),
            "sha256": ruling.sha256,
        },
    )


def ruling_deliver_enqueue(*, ruling_id: int, judge_id: int) -> None:
    """After the confirmation commits: render and serve the ruling in the background (never lost:
    a ruling without its PDF is rendered on its first download too)."""
    from .tasks import ruling_deliver

    try:
        ruling_deliver.enqueue(ruling_id, judge_id)
    except Exception:
        logger.exception("ruling %s: the rendering task could not be queued; it renders on first download", ruling_id)


# How each kind of ruling is served once rendered: service kind and title. A mediation statement
# of a settlement in court is rendered but not served through the platform.
SERVED_AS = {
    RulingKind.CONFIRMATION: ("ruling", gettext_lazy("Ruling %(number)s")),
    RulingKind.JUDGMENT: ("judgment", gettext_lazy("Judgment %(number)s")),
}


def ruling_deliver(*, ruling_id: int, judge_id: int) -> Ruling:
    """Render the ruling's PDF (its hash recorded) and serve it on every party, once."""
    from xietong.accounts.models import User
    from xietong.service.models import ServedDocument
    from xietong.service.services import service_send

    ruling = ruling_ensure_pdf(ruling=Ruling.objects.select_related("case").get(pk=ruling_id))
    served_as = SERVED_AS.get(RulingKind(ruling.kind))
    if served_as is None:
        return ruling
    kind, title = served_as
    with transaction.atomic():
        case = case_lock(ruling.case_id)
        if ServedDocument.objects.filter(case=case, kind=kind, sha256=ruling.sha256).exists():
            return ruling  # served already (the task ran twice)
        with ruling.pdf.open("rb") as fh:
            pdf = fh.read()
        service_send(
            actor=User.objects.get(pk=judge_id),
            case=case,
            kind=kind,
            title=str(title) % {"number": ruling.number},
            content=pdf,
            filename=f"{kind}-{case.pk}.pdf",
        )
    return ruling


def ruling_ensure_pdf(*, ruling: Ruling) -> Ruling:
    """The ruling's PDF, rendered now if it is not yet (after the commit, or on first download); hash
    recorded then. The PDF renders outside any transaction; storing it is a short one, and when two
    processes render at once the first to store wins."""
    current = Ruling.objects.select_related("case").get(pk=ruling.pk)
    if current.pdf:
        return current
    agreement = current.review.agreement if current.review_id and current.review else None
    data = ruling_pdf_bytes(current, agreement=agreement)
    with transaction.atomic():
        locked = Ruling.objects.select_for_update().select_related("case").get(pk=ruling.pk)
        if locked.pdf:
            return locked
        ruling_render(locked, data=data)
        audit_record(
            actor=SYSTEM,
            action=AuditAction.JUDICIARY_RULING,
            obj=locked,
            after={"case": locked.case.number, "rendered": True, "sha256": locked.sha256},
        )
    return locked


# Filing after a failed mediation --------------------------------------------------------------


def _plaintiff_for(actor: Any, case: Case) -> tuple[CaseParty, str]:
    """The applicant-side party `actor` asks for, and the channel; raises if the actor may not."""
    applicants = list(
        CaseParty.objects.filter(case=case, role__in=APPLICANT_ROLES).select_related("person", "organisation")
    )
    if not applicants:
        raise DomainError(_("The case has no applicant who could sue."), code="no_applicant")
    for p in applicants:
        channel = plaintiff_channel(actor, p)
        if channel is not None:
            return p, channel
    if may(actor, "judiciary.record_paper_request"):
        actor_in_case_court(case, actor, "")
        return applicants[0], FilingChannel.PAPER
    raise NotAllowed(
        _("Only the plaintiff (the applicant side) asks for filing; the court may record a request on paper."),
        code="not_plaintiff",
    )


@transaction.atomic
def filing_request_create(*, actor: Any, case: Case | int, note: str = "") -> FilingRequest:
    """The plaintiff asks that the failed mediation be filed for trial. A second request changes nothing."""
    locked = _visible_case(actor, case)
    party, channel = _plaintiff_for(actor, locked)
    existing = FilingRequest.objects.filter(case=locked).first()
    if existing is not None:
        return existing
    if locked.state != CaseState.FAILED:
        raise DomainError(
            _("Filing can be requested only after the mediation failed; this case is %(state)s.")
            % {"state": CaseState(locked.state).label},
            code="illegal_state",
        )
    note = note.strip()
    if channel == FilingChannel.PAPER and not note:
        raise DomainError(_("Say what the paper request is (who handed it in, when)."), code="note_required")
    is_api = channel == FilingChannel.API
    request = FilingRequest.objects.create(
        case=locked,
        party=party,
        channel=channel,
        requested_by=actor_ref(actor).label,
        requested_by_user=None if is_api else actor,
        requested_by_api_client=actor if is_api else None,
        note=note,
    )
    case_event_record(
        locked,
        actor=actor,
        kind="filing_requested",
        note=note,
        data={"plaintiff": party.name, "channel": channel},
    )
    audit_record(
        actor=actor,
        action=AuditAction.JUDICIARY_FILING_REQUEST,
        obj=request,
        after={"case": locked.number, "plaintiff": party.name, "channel": channel, "note": note},
    )
    return request


def carried_over(case: Case) -> dict[str, Any]:
    """What the filed case keeps from the mediation, without anyone typing it again."""
    from django.db.models import Q

    from xietong.intake.models import Attachment

    parties = list(case.parties.select_related("person", "organisation"))
    attachments = Attachment.objects.filter(Q(case=case) | Q(application__cases=case)).distinct().count()
    events = CaseEvent.objects.filter(case=case)
    failure = events.filter(kind="fail_mediation").order_by("-pk").first()
    record: dict[str, int] = {}
    from django.apps import apps

    for model_name, label in (
        ("ContactLog", _("Contacts logged")),
        ("MediationSession", _("Mediation sessions")),
        ("Offer", _("Offers")),
    ):
        try:
            model = apps.get_model("mediation", model_name)
        except LookupError:  # the mediation record is kept by the mediation app, when it has it
            continue
        record[str(label)] = model._default_manager.filter(case=case).count()
    return {
        "parties": parties,
        "amounts": {
            "principal": case.principal,
            "interest": case.interest,
            "penalty": case.penalty,
            "total": case.total,
        },
        "attachments": attachments,
        "timeline": events.count(),
        "failure_note": failure.note if failure else "",
        "mediation_record": record,
        "numbers": list(case.numbers.values_list("text", flat=True)),
    }


@transaction.atomic
def case_file_for_trial(*, actor: Any, case: Case | int, note: str = "") -> Case:
    """Clerks and judges of the court file the failed mediation (民初 number), as it is: nothing retyped."""
    locked = _visible_case(actor, case)
    _court_member(actor, locked, "judiciary.file", _("Only the court's clerks and judges file cases."))
    if locked.state == CaseState.FILED:
        raise Conflict(_("The case is already filed."), code="already_filed")
    return case_transition(case=locked, code="file", actor=actor, note=note)


# Hearings -------------------------------------------------------------------------------------


def _hearing_judge(actor: Any, case: Case, judge: Any) -> Any:
    if judge is None:
        judge = actor if may(actor, "judiciary.judge") else case.judge
    if judge is None:
        raise DomainError(_("Choose the judge who hears the case."), code="no_judge")
    if not may(judge, "judiciary.judge", case):
        raise DomainError(_("The hearing judge must be an active judge of this court."), code="judge_court")
    return judge


@transaction.atomic
def hearing_schedule(
    *,
    actor: Any,
    case: Case | int,
    starts_at: dt.datetime,
    place: str = "",
    online_link: str = "",
    judge: Any = None,
    inline: bool = False,
) -> Hearing:
    """Schedule a hearing of a filed case and send its notice (传票) for service on every party.

    The notice's content is frozen here (its HTML kept with the hearing, its hash audited); its PDF
    is rendered and served after the commit, in the background, so no lock is held while it renders.
    Until then the case page says it is being prepared; opening it renders it at once. `inline=True`
    renders and serves it in this transaction (the demo's history, which goes on at once)."""
    locked = _visible_case(actor, case)
    _court_member(actor, locked, "judiciary.file", _("Only the court's clerks and judges schedule hearings."))
    if locked.state != CaseState.FILED:
        raise DomainError(_("Only a filed case has hearings."), code="illegal_state")
    if timezone.is_naive(starts_at):
        raise DomainError(_("Give the hearing's time with its time zone."), code="naive_time")
    if starts_at <= timezone.now():
        raise DomainError(_("A hearing is scheduled in the future."), code="past_time")
    place, online_link = place.strip(), online_link.strip()
    if not place and not online_link:
        raise DomainError(_("Give the hearing's place or its online link."), code="no_place")
    if online_link and not online_link.startswith("https://"):
        raise DomainError(_("The online link must start with https://."), code="link")
    judge = _hearing_judge(actor, locked, judge)
    if Hearing.objects.filter(case=locked, status=HearingStatus.SCHEDULED).exists():
        raise Conflict(
            _("A hearing is already scheduled: adjourn or cancel it first."), code="hearing_already_scheduled"
        )
    hearing = Hearing.objects.create(
        case=locked, starts_at=starts_at, place=place, online_link=online_link, judge=judge
    )
    hearing.notice_html = hearing_notice_html(hearing)
    hearing.save(update_fields=["notice_html", "updated_at"])
    local = timezone.localtime(starts_at)
    case_event_record(
        locked,
        actor=actor,
        kind="hearing_scheduled",
        data={"at": local.isoformat(), "place": place or online_link, "judge": str(judge)},
        note=f"{local:%Y-%m-%d %H:%M} {place or online_link}",
    )
    audit_record(
        actor=actor,
        action=AuditAction.JUDICIARY_HEARING,
        obj=hearing,
        after={
            "case": locked.number,
            "starts_at": starts_at,
            "place": place,
            "online_link": online_link,
            "judge": judge.pk,
            "status": hearing.status,
            "notice_sha256": sha256(hearing.notice_html.encode("utf-8")),
        },
    )
    hearing_id, actor_id = hearing.pk, actor.pk
    if inline:
        hearing_notice_deliver(hearing_id=hearing_id, actor_id=actor_id)
    else:
        transaction.on_commit(lambda: _enqueue_after_commit("hearing_notice_deliver", hearing_id, actor_id))
    return hearing


def _enqueue_after_commit(task_name: str, object_id: int, actor_id: int) -> None:
    """Queue a document's rendering; never lost: a document without its PDF is rendered when opened."""
    from . import tasks

    try:
        getattr(tasks, task_name).enqueue(object_id, actor_id)
    except Exception:
        logger.exception("%s %s: the task could not be queued; it renders when opened", task_name, object_id)


def hearing_notice_deliver(*, hearing_id: int, actor_id: int) -> Hearing:
    """Render the hearing's notice from its frozen HTML and serve it on every party, once.

    The PDF renders outside any transaction; serving it (its file, hash and one record per party)
    is a short one. A hearing no longer scheduled is not noticed."""
    from xietong.accounts.models import User
    from xietong.service.services import service_send

    hearing = Hearing.objects.select_related("case__court", "judge").get(pk=hearing_id)
    if hearing.notice_id or hearing.status != HearingStatus.SCHEDULED:
        return hearing
    content = hearing_notice_pdf(hearing)
    with transaction.atomic():
        case = case_lock(hearing.case_id)
        hearing = Hearing.objects.select_for_update().get(pk=hearing_id)
        if hearing.notice_id or hearing.status != HearingStatus.SCHEDULED:
            return hearing  # served meanwhile (the task ran twice, or the page rendered it)
        served = service_send(
            actor=User.objects.get(pk=actor_id),
            case=case,
            kind="hearing_notice",
            title=_("Hearing notice %(number)s, hearing on %(when)s")
            % {"number": case.number, "when": f"{timezone.localtime(hearing.starts_at):%Y-%m-%d %H:%M}"},
            content=content,
            filename=f"hearing-notice-{case.pk}-{hearing.pk}.pdf",
        )
        hearing.notice_id = served.pk
        hearing.save(update_fields=["notice_id", "updated_at"])
    return hearing


def _hearing_locked(actor: Any, hearing: Hearing | int) -> tuple[Case, Hearing]:
    pk = hearing.pk if isinstance(hearing, Hearing) else hearing
    case_id = Hearing.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(_("No such hearing."))
    locked = _visible_case(actor, case_id)
    return locked, Hearing.objects.select_for_update().get(pk=pk)


def _notice_served(case: Case) -> bool:
    from xietong.service.selectors import service_satisfied

    return bool(service_satisfied(case, "hearing_notice"))


@transaction.atomic
def hearing_set_status(*, actor: Any, hearing: Hearing | int, status: str, note: str = "") -> Hearing:
    """Mark a scheduled hearing held (only once its notice is served), adjourned or cancelled."""
    locked, h = _hearing_locked(actor, hearing)
    _court_member(actor, locked, "judiciary.file", _("Only the court's clerks and judges record hearings."))
    if status not in (HearingStatus.HELD, HearingStatus.ADJOURNED, HearingStatus.CANCELLED):
        raise DomainError(_("Unknown hearing status."), code="status")
    if h.status == status:
        return h  # a double click
    if h.status != HearingStatus.SCHEDULED or locked.state != CaseState.FILED:
        raise DomainError(_("Only a scheduled hearing of a filed case can change."), code="illegal_state")
    if status == HearingStatus.HELD and not _notice_served(locked):
        raise DomainError(
            _(
                "The hearing notice has not been served on every party (nor a recorded alternative): "
                "the hearing cannot be held."
            ),
            code="hearing_notice_not_served",
        )
    if status != HearingStatus.HELD and not note.strip():
        raise DomainError(_("Give a reason."), code="note_required")
    before = {"status": h.status}
    h.status = status
    h.save(update_fields=["status", "updated_at"])
    case_event_record(locked, actor=actor, kind=f"hearing_{status}", note=note.strip(), data={"hearing": h.pk})
    audit_record(
        actor=actor,
        action=AuditAction.JUDICIARY_HEARING,
        obj=h,
        before=before,
        after={"status": status, "note": note.strip()},
    )
    return h


# The outcome ----------------------------------------------------------------------------------


def _hearings_left_cancel(actor: Any, case: Case, hearings: Any, label: Any) -> None:
    """The trial has ended: a hearing still scheduled (a settlement before its day, a second session
    after the one held) will not take place. Each is cancelled with the outcome as its reason, on the
    timeline and in the audit, so that no list or calendar keeps waiting for it."""
    note = message(gettext_noop("The trial ended before this hearing (%(outcome)s)."), outcome=label)
    for h in hearings.select_for_update().filter(status=HearingStatus.SCHEDULED).order_by("pk"):
        h.status = HearingStatus.CANCELLED
        h.save(update_fields=["status", "updated_at"])
        case_event_record(case, actor=actor, kind="hearing_cancelled", note=note, data={"hearing": h.pk})
        audit_record(
            actor=actor,
            action=AuditAction.JUDICIARY_HEARING,
            obj=h,
            before={"status": HearingStatus.SCHEDULED},
            after={"status": HearingStatus.CANCELLED, "note": str(note)},
        )


@transaction.atomic
def trial_outcome_record(
    *,
    actor: Any,
    case: Case | int,
    kind: str,
    summary: str,
    amount_awarded: Decimal | str | None = None,
    schedule: Sequence[tuple[dt.date, Decimal]] | None = None,
    render: bool = True,
    inline: bool = False,
) -> TrialOutcome:
    """The judge records how the trial ended. A judgment: "try" (TRIED), its PDF served on the parties.
    A settlement in court or a withdrawal: "try" then "close" (CLOSED), in this one service.

    The judgment's (or mediation statement's) text is frozen here with its hash; its PDF is rendered
    (hash recorded) and the judgment served after the commit, in the background: no lock is held while
    a PDF renders. `render=False` leaves a settlement's PDF to its first download; `inline=True` renders
    and serves in this transaction (the demo's history).

    A judgment or settlement may give a payment `schedule` (instalments, or one line: one due date)
    adding up to the amount awarded: the case then moves on to performing (by the system), where the
    repayment app follows it as a plan; a settlement with a schedule is not closed."""
    locked = _visible_case(actor, case)
    _court_member(actor, locked, "judiciary.judge", _("Only a judge of the court records the outcome."))
    if TrialOutcome.objects.filter(case=locked).exists():
        raise Conflict(_("The outcome of this trial is already recorded."), code="outcome_exists")
    if locked.state != CaseState.FILED:
        raise DomainError(_("Only a filed case is tried."), code="illegal_state")
    if kind not in OutcomeKind.values:
        raise DomainError(_("Choose the outcome."), code="kind")
    summary = summary.strip()
    if not summary:
        raise DomainError(_("Summarise the outcome."), code="summary_required")
    amount = None if amount_awarded in (None, "") else money_parse(amount_awarded, _("Amount awarded"))  # type: ignore[arg-type]
    if amount is not None and kind == OutcomeKind.WITHDRAWAL:
        raise DomainError(_("A withdrawn suit awards nothing."), code="amount_withdrawal")
    checked_schedule: list[tuple[dt.date, Decimal]] = []
    if schedule:
        if kind == OutcomeKind.WITHDRAWAL:
            raise DomainError(_("A withdrawn suit has no payment schedule."), code="schedule_withdrawal")
        if not amount:
            raise DomainError(_("Give the amount awarded that the schedule pays."), code="schedule_amount")
        from xietong.agreements.plans import plan_check

        checked_schedule = plan_check(list(schedule), amount, today=timezone.localdate())
    hearings = Hearing.objects.filter(case=locked)
    noticed = hearings.exclude(status=HearingStatus.CANCELLED).exists()
    if kind == OutcomeKind.JUDGMENT and not hearings.filter(status=HearingStatus.HELD).exists():
        if noticed and not _notice_served(locked):
            raise DomainError(
                _("The hearing notice has not been served on every party: no judgment yet."),
                code="hearing_notice_not_served",
            )
        raise DomainError(_("A judgment needs a hearing that was held."), code="no_hearing_held")
    if kind == OutcomeKind.SETTLEMENT and noticed and not _notice_served(locked):
        raise DomainError(
            _("The hearing notice has not been served on every party: the outcome cannot be recorded yet."),
            code="hearing_notice_not_served",
        )
    outcome = TrialOutcome.objects.create(
        case=locked,
        kind=kind,
        summary=summary,
        amount_awarded=amount,
        schedule=[[d.isoformat(), str(a)] for d, a in checked_schedule],
        judge=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.JUDICIARY_OUTCOME,
        obj=outcome,
        after={
            "case": locked.number,
            "kind": kind,
            "summary": summary,
            "amount_awarded": amount,
            "schedule": outcome.schedule,
        },
    )
    label = OutcomeKind(kind).label
    _hearings_left_cancel(actor, locked, hearings, label)
    tried = case_transition(case=locked, code="try", actor=actor, note=f"{label}：{summary}")
    if kind in (OutcomeKind.JUDGMENT, OutcomeKind.SETTLEMENT):
        ruling = Ruling(
            case=tried,
            kind=RulingKind.JUDGMENT if kind == OutcomeKind.JUDGMENT else RulingKind.SETTLEMENT,
            number=tried.number or "",
            judge=actor,
            outcome=outcome,
            issued_at=outcome.decided_at,
        )
        ruling.body = ruling_body(ruling)
        ruling.save()
        _ruling_recorded(actor, ruling)
        ruling_id, judge_id = ruling.pk, actor.pk
        if inline:
            ruling_deliver(ruling_id=ruling_id, judge_id=judge_id)
        elif render or kind == OutcomeKind.JUDGMENT:
            transaction.on_commit(lambda: ruling_deliver_enqueue(ruling_id=ruling_id, judge_id=judge_id))
    if checked_schedule:
        # paid on a schedule: followed as a repayment plan (made by the repayment app after the commit)
        case_transition(
            case=tried,
            code="start_performance",
            actor=SYSTEM,
            note=_("%(kind)s with a payment schedule: %(n)d instalment(s), the last due on %(last)s.")
            % {"kind": label, "n": len(checked_schedule), "last": checked_schedule[-1][0].isoformat()},
        )
    elif kind != OutcomeKind.JUDGMENT:
        case_transition(case=tried, code="close", actor=actor, note=str(label))
    return outcome
