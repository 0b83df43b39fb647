"""Which migrations the zero-downtime lint checks, and the ones allowed through (docs/operations.md).

**Linted: every migration after the baseline.** `BASELINE` names, per app, the last migration of
release 0.1, the first one deployed: nothing older than it ever ran beside an older release, so
nothing up to it is linted (ten of those add NOT NULL columns with only a Python default, harmless
then). Every later migration is, and so is every migration of an app not listed (a new app).
The baseline moves only forward, and only to a released state.

**Allowed.** A migration that drops or renames a column or a table, renames a table, or adds or
tightens a NOT NULL column without a database default breaks the release still serving while it
runs. It is allowed only in the release *after* the one that stopped using the column, and is
listed here with that release:

    ("cases", "0042_remove_case_old_number"): "1.4 stopped reading Case.old_number",
"""

BASELINE: dict[str, str] = {
    "accounts": "0003_user_timezone",
    "agreements": "0002_default_terms",
    "audit": "0012_action_codes_without_choices",
    "batches": "0005_batch_unique_live_file",
    "cases": "0004_drop_redundant_fk_indexes",
    "intake": "0002_drop_redundant_fk_indexes",
    "judiciary": "0001_initial",
    "lookup": "0001_initial",
    "mediation": "0001_initial",
    "notifications": "0001_initial",
    "ops": "0001_initial",
    "outreach": "0001_initial",
    "parties": "0003_person_timezone",
    "repayment": "0002_suspension",
    "risk": "0001_initial",
    "service": "0001_initial",
    "suggestions": "0001_initial",
    "triage": "0003_risk_stratum_replaces_surge",
    "webhooks": "0002_idempotency_key",
}

ALLOWED: dict[tuple[str, str], str] = {}
