"""The demo region: a Longyan-like center with four months of history, loaded through the services.

`load_region()` builds the two courts, the four agencies, five banks, the mediation committee, two
rural stations, their staff, about three hundred fictitious citizens and some two hundred and sixty
disputes, each driven along the workflow by the people who would take each step (the clerk triages,
the mediator mediates, the judge confirms, the bank reports repayment), so the timeline, the case
numbers, the figures and the audit trail are the platform's own.

The history is replayed in time order under a simulated clock (`xietong.demo.clock`): every step
happens at the moment it is meant to have happened, so a batch delivered at the start of last month
was really closed within that month, and the audit trail stays in time order. The last audit entry,
`demo.load`, is written at the real time and says so.

The loader is split in three: `data.py` (organisations, staff, categories, the run of cases, words in
`words.py`), `engine.py` (working hours, each case's plan, the replay) and `stories/` (one module per
story, each planning its disputes). Other apps add theirs after the history (`DEMO_EXTENSIONS`).

The stories of DESIGN.md are seeded on purpose (`story_case_ids` of the result names them):
1 `huang` — a relative acting for his seriously ill brother, three banks, three agreements;
2 `batch` — the Postal Savings Bank's 89 credit-card cases, 82 closed within the month;
3 `abroad` — a debtor working in Indonesia, mediated online up to judicial confirmation;
4 `colours` and `fast_track` — green/yellow/red disputes in their channels, a small claim closed in days;
6 `cluster` — twelve consumer-loan disputes against one bank telling one intermediary's story in the
  last two weeks (a lead on near-identical facts); with them the risk app's twenty villagers naming
  one unlicensed "investment" company (a claimant-cluster lead), which `pboc` sees on arrival;
7 `station` — a rural station files for villagers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from xietong.accounts.models import Organisation
from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.cases.status import status_docs_deferred
from xietong.intake import demo as intake_demo
from xietong.lookup import demo as lookup_demo
from xietong.mediation import demo as mediation_demo
from xietong.outreach import demo as outreach_demo
from xietong.repayment import demo as repayment_demo
from xietong.risk import demo as risk_demo
from xietong.service import demo as service_demo
from xietong.suggestions import demo as suggestions_demo

from .clock import SimulatedClock
from .data import (
    BATCH_SIZE,
    DEFAULT_SEED,
    DEMO_ACTOR,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoLogin,
)
from .engine import LoadResult, Region
from .stories import STORIES

__all__ = [
    "BATCH_SIZE",
    "DEFAULT_SEED",
    "DEMO_ACTOR",
    "DEMO_EXTENSIONS",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DemoLogin",
    "LoadResult",
    "load_region",
    "print_logins",
    "region_is_loaded",
]


def print_logins() -> None:
    """Print the demo logins (for `make demo`), when the demo region is loaded."""
    if not region_is_loaded():
        return
    print(f"  Demo logins (password {DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        print(f"    {login.username:<10} {login.role}  {login.organisation}")


def region_is_loaded() -> bool:
    return Organisation.objects.exists()


# Other apps' demo data, added after the region's history (each `seed(*, actor)`), in this order.
# The steps other apps take through their own services are their registered demo steps
# (cases.registry.registry.demo_steps).
DEMO_EXTENSIONS: list[Callable[..., Any]] = [
    lookup_demo.seed,
    intake_demo.seed,
    outreach_demo.seed,
    mediation_demo.seed,
    service_demo.seed,
    risk_demo.seed,
    repayment_demo.seed,
    suggestions_demo.seed,
]


def load_region(*, seed: int = DEFAULT_SEED) -> LoadResult | None:
    """Load the demo region into an empty database, all or nothing. Returns None if it holds organisations."""
    started = time.monotonic()
    with transaction.atomic(), status_docs_deferred():
        if region_is_loaded():
            return None
        region = Region(seed=seed, now=timezone.now())
        with SimulatedClock() as clock:
            clock.set(region.setup_at)
            region.setup()
            for story in STORIES:
                story(region)
            region.timeline.run(clock)
            clock.release()
        for extension in DEMO_EXTENSIONS:
            extension(actor=DEMO_ACTOR)
        result = region.result(seconds=time.monotonic() - started)
        audit_record(
            actor=DEMO_ACTOR,
            action=AuditAction.DEMO_LOAD,
            object_type="demo.region",
            object_id=seed,
            object_repr="龙岩 demo region",
            after={
                "seed": seed,
                "history_from": result.history_from,
                "note": "the entries before this one replay a simulated history at the times it is set in",
                "organisations": result.organisations,
                "users": result.users,
                "persons": result.persons,
                "cases": result.cases,
                "states": result.states,
            },
        )
        result.audit_entries += 1
        result.seconds = time.monotonic() - started
    return result
