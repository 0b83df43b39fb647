"""Migrations allowed to do what a running older release cannot survive (docs/operations.md).

A migration that drops or renames a column or a table, or makes a nullable column NOT NULL
without a default, breaks the release still serving while it runs. It is allowed only in the
release *after* the one that stopped using the column, and is listed here with that release:

    ("cases", "0042_remove_case_old_number"): "1.4 stopped reading Case.old_number",
"""

ALLOWED: dict[tuple[str, str], str] = {}
