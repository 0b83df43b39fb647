"""Triage: every new case is sorted into a category, channel, track and team at intake.

INTERIM: `case_auto_triage` only takes the `triage` step; the rule engine replaces its body
(keeping its signature) in the triage work of issue 3.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from xietong.audit.services import SYSTEM
from xietong.cases.models import Case
from xietong.cases.services import case_triage


@transaction.atomic
def case_auto_triage(*, case: Case | int, actor: Any = SYSTEM) -> Case:
    """Triage a submitted case by the configured rules and take the `triage` step."""
    return case_triage(case=case, actor=actor)
