"""What the center's words mean, in one place (口径): closed, resolved before litigation, overdue.

The dashboard, the batch follow-up, the worklists, the API and the figures all read these; none
keeps a pair of states or a literal 30 of its own. `docs/measures.md` says the same in prose.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Q

from .choices import CaseState as S
from .choices import Door, NumberKind, PartyRole

# Ended: nothing more happens to the case. Withdrawn and rejected cases are closed too (the
# closure rate counts them, as the batch follow-up always has).
CLOSED_STATES = frozenset({S.FULFILLED, S.CLOSED, S.WITHDRAWN, S.REJECTED})
OPEN_STATES = frozenset(set(S) - CLOSED_STATES)

# The pre-litigation stages, whose age counts against the 30-day target and the three-month
# limit of pre-litigation mediation: before a ruling or a filing (a failed mediation waiting to be
# filed included). A case repaying, filed or in enforcement is not overdue.
PRE_LITIGATION_STATES = frozenset({S.SUBMITTED, S.TRIAGED, S.MEDIATING, S.AGREEMENT, S.FAILED})

# An agreement that ended the dispute before filing: reached, confirmed, being repaid or repaid.
# A case that was filed (it holds a 民初 number) or went to enforcement (执) is never resolved
# before litigation, whatever its state later; nor is one that was withdrawn or rejected.
SETTLED_STATES = frozenset({S.AGREEMENT, S.CONFIRMED, S.PERFORMING, S.FULFILLED, S.CLOSED})
LITIGATION_NUMBERS = (NumberKind.FIRST_INSTANCE, NumberKind.ENFORCEMENT)

# Who is who. Through these doors an institution delivers its own claims (its collection work): it
# applies and the person responds. Through every other door (online, for a relative, at the counter,
# at a rural station) a citizen brings a dispute with an institution: the citizen applies and the
# institution responds. The risk counts read the same set ("an institution's own deliveries").
# One exception, by filer rather than door: a case the counter opens from the lookup on a debt the
# institution reported is that institution's claim, and it applies (lookup/services.py).
INSTITUTION_DOORS = frozenset({Door.BATCH, Door.API})


def roles_for_door(door: str) -> tuple[PartyRole, PartyRole]:
    """(the person's role, the institution's role) of a case that came in through `door`."""
    if door in INSTITUTION_DOORS:
        return PartyRole.RESPONDENT, PartyRole.APPLICANT
    return PartyRole.APPLICANT, PartyRole.RESPONDENT


TARGET_DAYS = 30  # the center's target: a pre-litigation case closed within a month
STATUTORY_DAYS = 90  # pre-litigation mediation lasts at most three months

# Mediation ends in one of two ways: an agreement signed (success) or a failure recorded. A case
# whose confirmation was refused goes back to mediation; its *last* ending is the one that counts.
MEDIATION_SUCCESS = S.AGREEMENT
MEDIATION_FAILURE = S.FAILED
# What makes a case enforceable: the 民特 ruling of confirmation, or a judgment after trial (民初).
ENFORCEABLE_STATE = S.TRIED
CONFIRMATION_NUMBER = NumberKind.CONFIRMATION
ENFORCEMENT_NUMBER = NumberKind.ENFORCEMENT
# Fewer disputes than this in a cell are not shown to regulators or the public (nor any rate or
# median computed from fewer).
SMALL_CELL = 5


def resolved_before_litigation_q(prefix: str = "") -> Q:
    """Cases that an agreement ended before any filing: settled, and never given a 民初 or 执 number."""
    return Q(**{f"{prefix}state__in": SETTLED_STATES}) & ~Q(**{f"{prefix}numbers__kind__in": LITIGATION_NUMBERS})


def overdue_q(now: dt.datetime, *, days: int = TARGET_DAYS) -> Q:
    """Still in a pre-litigation stage more than `days` after submission."""
    return Q(state__in=PRE_LITIGATION_STATES, submitted_at__lt=now - dt.timedelta(days=days))


def is_overdue(*, state: str, submitted_at: dt.datetime, now: dt.datetime, days: int = TARGET_DAYS) -> bool:
    return state in PRE_LITIGATION_STATES and submitted_at < now - dt.timedelta(days=days)


def days_to_close(submitted_at: dt.datetime, closed_at: dt.datetime) -> int:
    """Whole days from submission to closing (a case closed the same day took 0 days)."""
    return max(0, (closed_at - submitted_at).days)


def closed_within_target(submitted_at: dt.datetime, closed_at: dt.datetime, *, days: int = TARGET_DAYS) -> bool:
    """Closed at most `days` × 24 hours after it was submitted (the same clock as `overdue_q`)."""
    return closed_at - submitted_at <= dt.timedelta(days=days)


def percent(part: int, whole: int) -> int | None:
    """A rate as the center states it: a whole percent, halves to even (82 of 89 → 92). None of nothing."""
    if not whole:
        return None
    return int((Decimal(part * 100) / whole).quantize(Decimal("1"), rounding=ROUND_HALF_EVEN))
