"""Opening many cases at once: the same rows as `case_create` (and a transition taken at once), written in bulk.

`cases_create_bulk` is the one write path for cases opened together (a bank's batch of overdue
debts). Each case gets exactly what `case_create` followed by `case_transition` by the system would
give it: the case row (its number from `numbers.case_numbers_reserve`, the same sequence and form),
its parties (the person responds, the institution applies), its number's history, its `created`
event and the transition's event, its status document (`status.py`), and — after commit — the
registered transition receivers learn of the step (`registry.receivers`, their `many` where given). The rows that other apps keep about
each new case (the triage decision, the service-address confirmation) come from the caller as
`steps`: callables of those apps that `cases` runs with the new case ids inside the same transaction,
so `cases` imports nothing from above it.

What differs from the single path, by design: the audit trail gets one `case.create_bulk` entry per
call, naming every case (ids and numbers) and what the steps wrote, instead of a `case.create`,
`triage.decide` and `case.transition` entry per case. Hashing ~400,000 chained entries for a batch of
100,000 cases would cost more than the whole import does (see bench/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, actor_ref, audit_record
from xietong.core.bulk import BulkWriter
from xietong.core.errors import DomainError

from .choices import CaseState, Door, NumberKind, PartyRole, Product
from .definitions import CLOSED_STATES
from .models import Case, CaseEvent, CaseNumber, CaseParty
from .numbers import ReservedNumbers, case_numbers_reserve
from .registry import registry
from .services import case_transitions_notify
from .status import Opened, status_docs_insert_opened
from .workflow import TRANSITIONS, Transition

PRODUCTS = frozenset(Product.values)


class NewCase(NamedTuple):
    """One dispute to open: its respondent (a person on file), what is owed, the facts, and the
    outcome the transition taken at once sets (the triage's category, channel, track and team)."""

    respondent_id: int
    product: str
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    facts: str = ""
    category_id: int | None = None
    channel: str = ""
    track: str = ""
    team_id: int | None = None


# A step of another app: given the new case ids (in the order of the disputes), it writes its own rows
# about each case in the same transaction and says what it wrote (merged into the audit entry).
Step = Callable[[list[int]], Mapping[str, Any]]


@dataclass(frozen=True)
class BulkCreated:
    case_ids: list[int]  # in the order of the disputes
    numbers: ReservedNumbers  # the k-th case has the k-th number
    state: str
    written: dict[str, Any] = field(default_factory=dict)  # what the steps said they wrote

    @property
    def first_number(self) -> str:
        return self.numbers.texts[0] if self.numbers.texts else ""

    @property
    def last_number(self) -> str:
        return self.numbers.texts[-1] if self.numbers.texts else ""


class _Draft:
    """What a guard reads of a case about to take its first step (no Model instance per case)."""

    __slots__ = ("court_id", "institution_id", "product", "total")
    state = CaseState.SUBMITTED
    mediator_id = None
    judge_id = None
    category_id = None
    team_id = None

    def __init__(self, court_id: int, institution_id: int, product: str, total: Decimal) -> None:
        self.court_id, self.institution_id, self.product, self.total = court_id, institution_id, product, total


def _bulk_transition(code: str) -> Transition:
    """A transition the system may take at once on a case just opened; refused otherwise."""
    t = TRANSITIONS.get(code)
    if t is None:
        raise DomainError(_("Unknown step."), code="unknown_transition")
    if (
        not t.system_may
        or CaseState.SUBMITTED not in t.sources
        or t.issues_number
        or t.assigns_judge
        or t.note_required
        or t.target in CLOSED_STATES
    ):
        raise ValueError(f"the transition {code!r} cannot be taken in bulk by the system on a new case")
    return t


def _check(*, court: Organisation, institution: Organisation, door: str, disputes: Sequence[NewCase]) -> None:
    """The rules `case_create` applies, once for the call and per case where they are per case."""
    if court.kind != OrganisationKind.COURT:
        raise DomainError(_("Cases are held by a court."), code="not_a_court")
    if institution.kind != OrganisationKind.INSTITUTION:
        raise DomainError(_("The institution must be a registered financial institution."), code="not_an_institution")
    if door not in Door.values:
        raise DomainError(_("Unknown intake door."), code="door")
    zero = Decimal(0)
    for d in disputes:
        if d.product not in PRODUCTS:
            raise DomainError(_("Unknown product."), code="product")
        if d.principal < zero or d.interest < zero or d.penalty < zero:
            label = _("Principal") if d.principal < zero else _("Interest") if d.interest < zero else _("Penalty")
            raise DomainError(_("%(field)s cannot be negative.") % {"field": label}, code="amount_negative")


def cases_create_bulk(
    *,
    actor: Any,
    court: Organisation,
    institution: Organisation,
    door: str,
    disputes: Sequence[NewCase],
    transition: str | None = None,
    submitted_at: dt.datetime | None = None,
    steps: Sequence[Step] = (),
    writer: BulkWriter | None = None,
) -> BulkCreated:
    """Open one case per dispute, all in the caller's transaction, and (given `transition`) take that
    step at once as the system: the rows `case_create` and `case_transition` would write, in bulk.

    The institution applies, each dispute's person responds. `steps` write the other apps' rows
    about the new cases (see the module's docstring). Raises DomainError naming the first rule broken.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("cases_create_bulk must run inside the caller's transaction")
    _check(court=court, institution=institution, door=door, disputes=disputes)
    t = _bulk_transition(transition) if transition else None
    now = submitted_at or timezone.now()
    w = writer or BulkWriter(now)
    ref = actor_ref(actor)
    created_by = ref.id if ref.kind == "user" else None
    state = str(t.target) if t else str(CaseState.SUBMITTED)
    n = len(disputes)
    if t is not None:
        for key in t.guards:
            guard = registry.guards[key]
            for d in disputes:
                guard(_Draft(court.pk, institution.pk, d.product, d.principal + d.interest + d.penalty), SYSTEM, "")

    reserved = case_numbers_reserve(court=court, kind=NumberKind.PRE_MEDIATION, n=n, year=timezone.localdate(now).year)
    texts = reserved.texts
    case_ids = w.reserve_ids(Case, n)
    submitted = w.dt(now)
    money = w.money
    court_id, inst_id = court.pk, institution.pk
    w.insert(
        Case,
        (
            "id",
            "number",
            "state",
            "court_id",
            "institution_id",
            "product",
            "category_id",
            "channel",
            "track",
            "team_id",
            "door",
            "principal",
            "interest",
            "penalty",
            "total",
            "facts",
            "claims",
            "wishes",
            "submitted_at",
            "created_by_id",
            "updated_at",
        ),
        (
            (
                cid,
                texts[k],
                state,
                court_id,
                inst_id,
                d.product,
                d.category_id,
                d.channel,
                d.track,
                d.team_id,
                door,
                money(d.principal),
                money(d.interest),
                money(d.penalty),
                money(d.principal + d.interest + d.penalty),
                d.facts,
                "",
                "[]",
                submitted,
                created_by,
                w.now_db,
            )
            for k, (cid, d) in enumerate(zip(case_ids, disputes, strict=True))
        ),
    )
    # What follows from the case rows alone is derived in SQL: the applicant (the institution), the
    # number's history, the events. The respondent comes from the disputes.
    party_columns = ("case_id", "role", "person_id", "organisation_id")
    w.insert(
        CaseParty,
        party_columns,
        ((cid, PartyRole.RESPONDENT.value, d.respondent_id, None) for cid, d in zip(case_ids, disputes, strict=True)),
    )
    derive = partial(w.insert_derived, source=Case, ids=case_ids)
    derive(CaseParty, party_columns, 's."id", %s, NULL, s."institution_id"', [PartyRole.APPLICANT.value])
    # The k-th case (in id order) has the k-th number: ids and numbers both ascend with k.
    derive(
        CaseNumber,
        ("case_id", "kind", "court_id", "year", "seq", "text", "assigned_at"),
        's."id", %s, s."court_id", %s, %s + ROW_NUMBER() OVER (ORDER BY s."id") - 1, s."number", s."submitted_at"',
        [NumberKind.PRE_MEDIATION.value, reserved.year, reserved.first],
    )
    event_columns = ("case_id", "at", "kind", "from_state", "to_state", "actor_label", "note", "data")
    derive(
        CaseEvent,
        event_columns,
        "s.\"id\", s.\"submitted_at\", 'created', '', %s, %s, '', "
        + w.json_object("'number'", 's."number"', "'door'", 's."door"'),
        [CaseState.SUBMITTED.value, ref.label],
    )
    if t is not None:
        derive(
            CaseEvent,
            event_columns,
            f's."id", s."submitted_at", %s, %s, %s, %s, \'\', {w.json_literal("{}")}',
            [t.code, CaseState.SUBMITTED.value, state, SYSTEM.label],
        )
    written: dict[str, Any] = {}
    for step in steps:
        written.update(step(case_ids))
    status_docs_insert_opened(  # after the steps: what they wrote may be part of the document
        [
            Opened(cid, texts[k], d.channel, d.track, d.category_id, d.respondent_id)
            for k, (cid, d) in enumerate(zip(case_ids, disputes, strict=True))
        ],
        writer=w,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CASE_CREATE_BULK,
        object_type=Case._meta.label_lower,
        object_id="",
        object_repr=f"{reserved.texts[0]} … {reserved.texts[-1]}" if n else "",
        after={
            "count": n,
            "court_id": court_id,
            "institution_id": inst_id,
            "door": door,
            "state": state,
            "transition": t.code if t else "",
            "number_kind": reserved.kind,
            "year": reserved.year,
            "first_seq": reserved.first,
            "first_number": reserved.texts[0] if n else "",
            "last_number": reserved.texts[-1] if n else "",
            "case_ids": case_ids,  # the k-th has number first_seq + k
            **written,
        },
    )
    if t is not None and case_ids:
        transaction.on_commit(
            partial(
                case_transitions_notify,
                case_ids=case_ids,
                code=t.code,
                from_state=CaseState.SUBMITTED,
                to_state=state,
            )
        )
    return BulkCreated(case_ids=case_ids, numbers=reserved, state=state, written=written)
