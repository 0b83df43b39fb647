"""Writes for judicial suggestions: drafted, signed off, sent and served, answered, followed up, reviewed.

Each write is atomic and audited in its transaction; messages leave after the commit
(xietong.notifications). Refused input raises a DomainError with a message in both languages and
changes nothing.

    draft → signed → sent → served → answered → reviewed
                              ↘ overdue (reminder, then escalation) ↗
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xietong.accounts.choices import REGULATOR_KINDS, OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.cases.models import Case
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound
from xietong.notifications.services import email_send, public_url
from xietong.service.choices import AttemptMethod, Outcome, RecordStatus
from xietong.service.organisations import (
    organisation_attempt_record,
    organisation_document_open,
    organisation_service_send,
    records_of,
)

from .models import (
    AWAITING_STATES,
    OUT_STATES,
    AnswerAttachment,
    CourtSuggestionSettings,
    Suggestion,
    SuggestionAnswer,
    SuggestionSequence,
    SuggestionState,
    Verdict,
)

MAX_RECOMMENDATIONS = 20
MAX_ATTACHMENTS = 5


def court_settings(court: Organisation) -> CourtSuggestionSettings:
    found = CourtSuggestionSettings.objects.filter(court=court).first()
    return found or CourtSuggestionSettings(court=court, number_prefix=court.court_code)


SIGNERS_GROUP = "司法建议签发人"  # created by migration 0003, with the permission suggestions.sign_suggestion
SETTINGS_FIELDS = frozenset(
    {
        "number_prefix",
        "number_template",
        "reply_months",
        "second_signer_required",
        "escalate_after_days",
        "review_months",
    }
)


@transaction.atomic
def court_settings_save(*, actor: Any, court: Organisation, **fields: Any) -> CourtSuggestionSettings:
    """Set a court's settings for its suggestions (the back office does the same through the admin)."""
    if court.kind != OrganisationKind.COURT:
        raise DomainError(_("Judicial suggestions are drafted by the court's staff."), code="not_a_court")
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise DomainError(f"unknown settings: {sorted(unknown)}", code="settings")
    cfg, _created = CourtSuggestionSettings.objects.get_or_create(
        court=court, defaults={"number_prefix": fields.get("number_prefix") or court.court_code}
    )
    before = {f: getattr(cfg, f) for f in sorted(SETTINGS_FIELDS)}
    for name, value in fields.items():
        setattr(cfg, name, value)
    cfg.full_clean()
    cfg.save()
    audit_record(
        actor=actor,
        action=AuditAction.REFERENCE_CHANGE,
        obj=cfg,
        before=before,
        after={f: getattr(cfg, f) for f in sorted(SETTINGS_FIELDS)},
    )
    return cfg


def signers_group() -> Any:
    """The group 司法建议签发人 with its permission (made by migration 0003; made again if it was removed)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=SIGNERS_GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label="suggestions", codename="sign_suggestion"))
    return group


@transaction.atomic
def signer_appoint(*, actor: Any, user: User) -> User:
    """Put a division head or deputy president of a court in the group that signs off suggestions."""
    if not may(user, "suggestions.be_signer"):
        raise DomainError(_("Suggestions are signed off by the court's judges (a division head or deputy president)."))
    group = signers_group()
    user.groups.add(group)
    audit_record(actor=actor, action=AuditAction.USER_UPDATE, obj=user, after={"groups_added": [group.name]})
    return user


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise ValueError(day)


def _at(at: dt.datetime | None) -> dt.datetime:
    """Now, or a time of the demo's history (never in the future)."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at) or at > now + dt.timedelta(minutes=1):
        raise DomainError(_("The time must include a time zone and not be in the future."), code="time")
    return at


def _lock(suggestion: Suggestion | int) -> Suggestion:
    pk = suggestion.pk if isinstance(suggestion, Suggestion) else suggestion
    found = (
        Suggestion.objects.select_for_update(of=("self",)).select_related("court", "institution").filter(pk=pk).first()
    )
    if found is None:
        raise NotFound(_("No such suggestion."))
    return found


# Messages ------------------------------------------------------------------------------------------


def _link(s: Suggestion) -> str:
    return public_url(reverse("suggestion-detail", kwargs={"pk": s.pk}))


def _people(orgs: Iterable[Organisation | int], roles: Iterable[str]) -> list[User]:
    ids = [o.pk if isinstance(o, Organisation) else o for o in orgs]
    return list(User.objects.filter(is_active=True, organisation_id__in=ids, role__in=list(roles)).order_by("pk"))


def _court_people(s: Suggestion) -> list[User]:
    ids = {i for i in (s.drafted_by_id, s.signed_by_id) if i}
    return list(User.objects.filter(is_active=True, pk__in=ids).order_by("pk"))


def _tell(users: Iterable[User], subject: str, text: str) -> int:
    """E-mail each (in Chinese: the court's documents are), after the commit. Returns how many were told."""
    told = 0
    with translation.override("zh-hans"):
        subject, text = str(subject), str(text)
    for user in users:
        if user.email:
            email_send(to=user.email, subject=subject, text=text)
            told += 1
    return told


def _words(s: Suggestion) -> dict[str, str]:
    return {
        "court": s.court.name,
        "number": s.number or "",
        "title": s.title,
        "institution": s.institution.name,
        "deadline": s.reply_deadline.isoformat(),
        "link": _link(s),
    }


# Drafting and sign-off -----------------------------------------------------------------------------


def _clean_recommendations(recommendations: list[str]) -> list[str]:
    recs = [r.strip() for r in recommendations if r and r.strip()]
    if not recs:
        raise DomainError(_("A suggestion needs at least one recommendation."), code="no_recommendations")
    if len(recs) > MAX_RECOMMENDATIONS:
        raise DomainError(
            _("At most %(n)s recommendations.") % {"n": MAX_RECOMMENDATIONS}, code="too_many_recommendations"
        )
    return recs


@transaction.atomic
def suggestion_draft(
    *,
    actor: Any,
    institution: Organisation,
    title: str,
    problems: str,
    causes: str = "",
    recommendations: list[str],
    legal_basis: str,
    reply_deadline: dt.date | None = None,
    copies_to: list[Organisation] | None = None,
    snapshot: dict[str, Any] | None = None,
    snapshot_query: dict[str, Any] | None = None,
    source_case_count: int | None = None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Suggestion:
    """Draft a suggestion of the actor's court. Refused without recommendations or with a past deadline.

    With a `snapshot_query` (measure.Query.as_dict()), the figures are computed and frozen now (unless a
    snapshot is given) and the cases behind them are kept, for the court's eyes only."""
    from .measure import Query, run, source_case_ids

    if not may(actor, "suggestions.draft"):
        raise NotAllowed(_("Judicial suggestions are drafted by the court's staff."))
    court = actor.organisation
    if court.kind != OrganisationKind.COURT:
        raise NotAllowed(_("Judicial suggestions are drafted by the court's staff."))
    if institution.kind != OrganisationKind.INSTITUTION:
        raise DomainError(_("A suggestion is addressed to a financial institution."), code="addressee")
    recs = _clean_recommendations(recommendations)
    if not title.strip() or not problems.strip() or not legal_basis.strip():
        raise DomainError(_("Title, problems and legal basis are required."), code="incomplete")
    when = _at(at)
    today = timezone.localtime(when).date()
    deadline = reply_deadline or add_months(today, court_settings(court).reply_months)
    if deadline <= today:
        raise DomainError(_("The reply deadline must be after today."), code="deadline_past")
    copies = list(copies_to or [])
    if any(o.kind not in REGULATOR_KINDS for o in copies):
        raise DomainError(_("Copies go to regulators only."), code="copies")
    query = Query.from_dict(snapshot_query or {})
    if snapshot_query and query is None:
        raise DomainError(_("The figures' query is not one the platform can run again."), code="query")
    if query is not None and query.institution_id != institution.pk:
        raise DomainError(_("The figures are of another institution."), code="query_institution")
    case_ids: list[int] = []
    if query is not None:
        snapshot = snapshot or run(query)
        case_ids = source_case_ids(query)
    s = Suggestion.objects.create(
        court=court,
        institution=institution,
        title=title.strip()[:200],
        problems=problems.strip(),
        causes=causes.strip(),
        recommendations=recs,
        legal_basis=legal_basis.strip(),
        reply_deadline=deadline,
        snapshot=snapshot or {},
        snapshot_query=query.as_dict() if query else {},
        source_case_count=len(case_ids) if source_case_count is None else source_case_count,
        drafted_by=actor,
        created_at=when,
    )
    s.copies_to.set(copies)
    if case_ids:
        s.source_cases.set(Case.objects.filter(pk__in=case_ids))
    audit_record(
        actor=actor,
        action=AuditAction.SUGGESTION_DRAFT,
        obj=s,
        after={
            "institution": institution.pk,
            "recommendations": len(recs),
            "reply_deadline": deadline,
            "copies_to": [o.pk for o in copies],
            "query": s.snapshot_query,
            "source_cases": s.source_case_count,
        },
    )
    if notify:
        w = _words(s)
        _tell(
            [u for u in signers_of(court) if u.pk != actor.pk],
            _("A judicial suggestion awaits your sign-off: %(title)s") % w,
            _("A draft judicial suggestion to %(institution)s awaits your sign-off: %(link)s") % w,
        )
    return s


def _next_seq(court: Organisation, year: int) -> int:
    try:
        with transaction.atomic():
            SuggestionSequence.objects.create(court=court, year=year, last=0)
    except IntegrityError:
        pass  # another transaction created it first
    row = SuggestionSequence.objects.select_for_update().get(court=court, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def may_sign(actor: Any, s: Suggestion | None = None) -> bool:
    return may(actor, "suggestions.sign", s)


def signers_of(court: Organisation) -> list[User]:
    """The court's people who may sign off (in the group 司法建议签发人 or given the permission)."""
    from django.db.models import Q

    perm = Q(groups__permissions__codename="sign_suggestion") | Q(user_permissions__codename="sign_suggestion")
    return list(User.objects.filter(perm, is_active=True, organisation=court).distinct().order_by("pk"))


@transaction.atomic
def suggestion_sign(
    *, actor: Any, suggestion: Suggestion | int, at: dt.datetime | None = None, notify: bool = True
) -> Suggestion:
    """Sign off a draft (division head or deputy president): it gets its number in the court's form."""
    s = _lock(suggestion)
    if s.state != SuggestionState.DRAFT:
        raise Conflict(_("This suggestion has already been signed off."), code="already_signed")
    if not may_sign(actor, s):
        raise NotAllowed(_("Only a division head or deputy president of the court signs off suggestions."))
    cfg = court_settings(s.court)
    if cfg.second_signer_required and actor.pk == s.drafted_by_id:
        raise NotAllowed(
            _("This court requires a second person to sign off: not the one who drafted it."), code="second_signer"
        )
    when = _at(at)
    if when < s.created_at:
        raise DomainError(_("A suggestion is signed off after it was drafted."), code="time")
    today = timezone.localtime(when).date()
    if s.reply_deadline <= today:
        raise DomainError(
            _("The reply deadline has passed; draft the suggestion again with a new deadline."), code="deadline_past"
        )
    year = today.year
    seq = _next_seq(s.court, year)
    s.year, s.seq = year, seq
    s.number = cfg.number_template.format(year=year, prefix=cfg.number_prefix, seq=seq)
    s.state, s.signed_by, s.signed_at = SuggestionState.SIGNED, actor, when
    s.save(update_fields=["year", "seq", "number", "state", "signed_by", "signed_at"])
    audit_record(actor=actor, action=AuditAction.SUGGESTION_SIGN, obj=s, after={"number": s.number})
    if notify:
        w = _words(s)
        _tell(
            [u for u in _court_people(s) if u.pk != actor.pk],
            _("Judicial suggestion %(number)s signed off") % w,
            _("The judicial suggestion %(number)s (%(title)s) is signed off and may be sent: %(link)s") % w,
        )
    return s


# Service --------------------------------------------------------------------------------------------


def may_send(actor: Any, s: Suggestion) -> bool:
    return may(actor, "suggestions.send", s)


@transaction.atomic
def suggestion_send(
    *,
    actor: Any,
    suggestion: Suggestion | int,
    method: str = AttemptMethod.ELECTRONIC,
    tracking_number: str = "",
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Suggestion:
    """Serve the signed suggestion on the institution (in the platform, or by post) and copy it to the
    regulators (in the platform), through the service module. A second click: Conflict, nothing sent."""
    from .documents import suggestion_pdf

    s = _lock(suggestion)
    if not may_send(actor, s):
        raise NotAllowed(_("The court's clerks and judges send its suggestions."))
    if s.state == SuggestionState.DRAFT:
        raise DomainError(_("A draft cannot be sent: it must be signed off first."), code="not_signed")
    if s.state != SuggestionState.SIGNED:
        raise Conflict(_("This suggestion has already been sent."), code="already_sent")
    if method not in (AttemptMethod.ELECTRONIC, AttemptMethod.POSTAL):
        raise DomainError(_("An institution is served in the platform or by post."), code="method")
    when = _at(at)
    if s.signed_at is not None and when < s.signed_at:
        raise DomainError(_("A suggestion is sent after it was signed off."), code="time")
    copies = list(s.copies_to.order_by("pk"))
    organisation_service_send(
        actor=actor,
        subject=s,
        sender=s.court,
        title=f"司法建议书 {s.number}",
        content=suggestion_pdf(s),
        filename=f"suggestion-{s.pk}.pdf",
        recipients=[(s.institution, method, False), *[(o, AttemptMethod.ELECTRONIC, True) for o in copies]],
        tracking_number=tracking_number,
        at=when,
    )
    s.state, s.sent_at = SuggestionState.SENT, when
    s.save(update_fields=["state", "sent_at"])
    audit_record(
        actor=actor,
        action=AuditAction.SUGGESTION_SEND,
        obj=s,
        after={"number": s.number, "method": method, "copies_to": [o.pk for o in copies]},
    )
    if notify:
        w = _words(s)
        _tell(
            _people([s.institution], [Role.INSTITUTION_OPERATOR]),
            _("Judicial suggestion %(number)s from %(court)s") % w,
            _(
                "%(court)s has sent %(institution)s the judicial suggestion %(number)s (%(title)s). Read it and "
                "answer by %(deadline)s in the platform: %(link)s"
            )
            % w,
        )
        _tell(
            _people(copies, [Role.REGULATOR]),
            _("Copy: judicial suggestion %(number)s to %(institution)s") % w,
            _("For your information, %(court)s has sent %(institution)s the judicial suggestion %(number)s: %(link)s")
            % w,
        )
    return s


def _addressee_record(s: Suggestion) -> Any:
    return records_of(s).filter(organisation_id=s.institution_id, is_copy=False).order_by("-pk").first()


def _mark_served(s: Suggestion, *, actor: Any, at: dt.datetime, by: str, notify: bool) -> None:
    if s.state != SuggestionState.SENT:
        return
    s.state, s.served_at = SuggestionState.SERVED, at
    s.save(update_fields=["state", "served_at"])
    audit_record(actor=actor, action=AuditAction.SUGGESTION_SERVE, obj=s, after={"served_at": at, "by": by})
    if notify:
        w = _words(s)
        _tell(
            _court_people(s),
            _("Judicial suggestion %(number)s served") % w,
            _("%(institution)s has received the judicial suggestion %(number)s; it is to answer by %(deadline)s.") % w,
        )


@transaction.atomic
def suggestion_open(
    *,
    actor: Any,
    suggestion: Suggestion | int,
    ip_address: str | None = None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Suggestion:
    """Someone of the institution (or of a regulator copied) opened the suggestion. For the institution
    served in the platform, the first opening is the time of service."""
    s = _lock(suggestion)
    if s.state not in OUT_STATES:
        return s
    opened = organisation_document_open(actor=actor, subject=s, ip_address=ip_address, at=at)
    for rec in opened:
        if not rec.is_copy and rec.status == RecordStatus.SERVED and rec.served_at is not None:
            _mark_served(s, actor=actor, at=rec.served_at, by=rec.served_by, notify=notify)
    return s


@transaction.atomic
def suggestion_delivery_record(
    *,
    actor: Any,
    suggestion: Suggestion | int,
    outcome: str,
    tracking_number: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Suggestion:
    """The outcome of the letter to the institution (from the postal receipt): delivered serves it."""
    s = _lock(suggestion)
    if not may_send(actor, s):
        raise NotAllowed(_("The court's clerks and judges record how its suggestions were served."))
    rec = _addressee_record(s)
    if s.state not in OUT_STATES or rec is None:
        raise DomainError(_("This suggestion has not been sent."), code="not_sent")
    attempt = organisation_attempt_record(
        actor=actor, record=rec, outcome=outcome, tracking_number=tracking_number, note=note, at=at
    )
    if outcome == Outcome.DELIVERED:
        _mark_served(s, actor=actor, at=attempt.at, by=AttemptMethod.POSTAL, notify=notify)
    return s


# The institution's answer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerItem:
    verdict: str
    reason: str = ""


def may_answer(actor: Any, s: Suggestion) -> bool:
    return may(actor, "suggestions.answer", s)


def _store_attachment(answer: SuggestionAnswer, upload: Any) -> AnswerAttachment:
    from xietong.intake.validators import check_upload

    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code=exc.code or "file") from exc
    att = AnswerAttachment(
        answer=answer,
        original_name=checked.name[:255],
        detected_type=checked.detected_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_at=answer.answered_at,
    )
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[checked.detected_type]
    # The stored name is ours: the type the content showed, never the name the sender gave.
    att.file.save(f"{checked.sha256[:16]}.{ext}", upload, save=False)
    att.save()
    return att


@transaction.atomic
def suggestion_answer(
    *,
    actor: Any,
    suggestion: Suggestion | int,
    actions: str,
    items: list[AnswerItem],
    attachments: list[Any] | None = None,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> SuggestionAnswer:
    """The institution answers: what it did, and for each recommendation adopted / partly / not adopted
    (with the reason when not fully adopted), with attachments checked by their content."""
    s = _lock(suggestion)
    if not may_answer(actor, s):
        raise NotAllowed(_("Only the institution the suggestion is addressed to answers it."), code="not_addressee")
    if s.state in (SuggestionState.ANSWERED, SuggestionState.REVIEWED):
        raise Conflict(_("This suggestion has already been answered."), code="already_answered")
    if s.state not in AWAITING_STATES:
        raise DomainError(_("This suggestion has not been sent to you."), code="not_sent")
    actions = (actions or "").strip()
    if not actions:
        raise DomainError(_("Say what your institution did about the suggestion."), code="actions_required")
    if len(items) != len(s.recommendations):
        raise DomainError(_("Answer each recommendation."), code="items")
    cleaned = []
    for n, item in enumerate(items, start=1):
        if item.verdict not in Verdict.values:
            raise DomainError(_("Say for recommendation %(n)s whether it was adopted.") % {"n": n}, code="verdict")
        reason = (item.reason or "").strip()
        if item.verdict != Verdict.ADOPTED and not reason:
            raise DomainError(
                _("Give the reason why recommendation %(n)s was not fully adopted.") % {"n": n}, code="reason_required"
            )
        cleaned.append({"n": n, "verdict": item.verdict, "reason": reason[:2000]})
    files = list(attachments or [])
    if len(files) > MAX_ATTACHMENTS:
        raise DomainError(_("At most %(n)s attachments.") % {"n": MAX_ATTACHMENTS}, code="too_many_files")
    when = _at(at)
    if s.sent_at is not None and when < s.sent_at:
        raise DomainError(_("An answer comes after the suggestion was sent."), code="time")
    ref = actor_ref(actor)
    answer = SuggestionAnswer.objects.create(
        suggestion=s,
        actions=actions,
        items=cleaned,
        answered_by=actor if isinstance(actor, User) else None,
        answered_by_label=ref.label,
        answered_at=when,
    )
    stored = [_store_attachment(answer, f) for f in files]
    before = s.state
    s.state, s.answered_at = SuggestionState.ANSWERED, when
    s.save(update_fields=["state", "answered_at"])
    audit_record(
        actor=actor,
        action=AuditAction.SUGGESTION_ANSWER,
        obj=s,
        before={"state": before},
        after={
            "state": s.state,
            "on_time": timezone.localtime(when).date() <= s.reply_deadline,
            "items": cleaned,
            "attachments": [{"name": a.original_name, "type": a.detected_type, "sha256": a.sha256} for a in stored],
        },
    )
    if notify:
        w = _words(s)
        _tell(
            _court_people(s),
            _("%(institution)s answered the judicial suggestion %(number)s") % w,
            _("%(institution)s has answered the judicial suggestion %(number)s: %(link)s") % w,
        )
    return answer


# Follow-up: overdue replies, reminders, escalation, effect review -------------------------------------


@dataclass
class DailySummary:
    day: dt.date
    reminders: int = 0
    escalations: int = 0
    reviews: int = 0
    checked: int = 0
    errors: list[str] = field(default_factory=list)


def _remind(s: Suggestion, *, now: dt.datetime, notify: bool) -> None:
    before = s.state
    s.state, s.reminded_at = SuggestionState.OVERDUE, now
    s.save(update_fields=["state", "reminded_at"])
    users = _people([s.institution], [Role.INSTITUTION_OPERATOR])
    told = 0
    if notify:
        w = _words(s)
        told = _tell(
            users,
            _("Reminder: judicial suggestion %(number)s is awaiting your answer") % w,
            _(
                "The answer to the judicial suggestion %(number)s of %(court)s was due on %(deadline)s. Please answer "
                "in the platform: %(link)s"
            )
            % w,
        )
    audit_record(
        actor=SYSTEM,
        action=AuditAction.SUGGESTION_REMIND,
        obj=s,
        before={"state": before},
        after={"state": s.state, "deadline": s.reply_deadline, "told": told},
    )


def _escalate(s: Suggestion, *, now: dt.datetime, notify: bool) -> None:
    s.escalated_at = now
    s.save(update_fields=["escalated_at"])
    copies = list(s.copies_to.all())
    # The regulators copied are told; with none copied, the court and the center hear of it.
    users = _people(copies, [Role.REGULATOR]) if copies else []
    if not users:
        users = _court_people(s) + list(User.objects.filter(is_active=True, role=Role.CENTER_ADMIN).order_by("pk"))
    told = 0
    if notify:
        w = _words(s)
        told = _tell(
            users,
            _("No answer: judicial suggestion %(number)s to %(institution)s") % w,
            _(
                "%(institution)s has not answered the judicial suggestion %(number)s of %(court)s, due on "
                "%(deadline)s, although it was reminded: %(link)s"
            )
            % w,
        )
    audit_record(
        actor=SYSTEM,
        action=AuditAction.SUGGESTION_ESCALATE,
        obj=s,
        after={"regulators": [o.pk for o in copies], "told": told},
    )


def review_due_on(s: Suggestion) -> dt.date | None:
    if s.answered_at is None:
        return None
    return add_months(timezone.localtime(s.answered_at).date(), court_settings(s.court).review_months)


@transaction.atomic
def suggestion_review(
    *, suggestion: Suggestion | int, now: dt.datetime | None = None, notify: bool = True
) -> Suggestion:
    """Run the original measure again over the months after the answer and keep before and after."""
    from .measure import Query, effect

    s = _lock(suggestion)
    if s.state != SuggestionState.ANSWERED:
        raise Conflict(_("Only an answered suggestion is reviewed, once."), code="not_answered")
    now = now or timezone.now()
    query = Query.from_dict(s.snapshot_query)
    result: dict[str, Any] = {"measured": False}
    if query is not None:
        result = {
            "measured": True,
            **effect(
                query=query,
                drafted_at=s.created_at,
                answered_at=s.answered_at,
                review_months=court_settings(s.court).review_months,
                now=now,
            ),
        }
    s.state, s.reviewed_at, s.review = SuggestionState.REVIEWED, now, result
    s.save(update_fields=["state", "reviewed_at", "review"])
    audit_record(
        actor=SYSTEM,
        action=AuditAction.SUGGESTION_REVIEW,
        obj=s,
        after={"before": result.get("before"), "after": result.get("after"), "measured": result["measured"]},
    )
    if notify:
        w = _words(s)
        _tell(
            _court_people(s),
            _("Effect review of judicial suggestion %(number)s") % w,
            _("The measure behind the judicial suggestion %(number)s was run again after the answer: %(link)s") % w,
        )
    return s


def suggestions_daily(*, now: dt.datetime | None = None, notify: bool = True) -> DailySummary:
    """The daily follow-up; safe to run any number of times a day (each step is taken once).

    - the day after the deadline with no answer: overdue, a reminder to the institution;
    - `escalate_after_days` after the deadline, still no answer: the regulators copied are told;
    - `review_months` after the answer: the effect review."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    summary = DailySummary(day=today)
    waiting = Suggestion.objects.filter(state__in=sorted(AWAITING_STATES), reply_deadline__lt=today)
    for pk in waiting.values_list("pk", flat=True):
        summary.checked += 1
        try:
            with transaction.atomic():
                s = _lock(pk)
                if s.state not in AWAITING_STATES or today <= s.reply_deadline:
                    continue
                if s.reminded_at is None:
                    _remind(s, now=now, notify=notify)
                    summary.reminders += 1
                elif s.escalated_at is None:
                    days = court_settings(s.court).escalate_after_days
                    if today >= s.reply_deadline + dt.timedelta(days=days):
                        _escalate(s, now=now, notify=notify)
                        summary.escalations += 1
        except DomainError as exc:  # one suggestion's trouble does not stop the others
            summary.errors.append(f"{pk}: {exc.message}")
    for s in Suggestion.objects.filter(state=SuggestionState.ANSWERED).select_related("court"):
        summary.checked += 1
        due = review_due_on(s)
        if due is not None and today >= due:
            try:
                suggestion_review(suggestion=s.pk, now=now, notify=notify)
                summary.reviews += 1
            except DomainError as exc:
                summary.errors.append(f"{s.pk}: {exc.message}")
    return summary
