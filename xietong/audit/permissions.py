"""The audit trail's actions."""

from __future__ import annotations

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles

PERMISSIONS: dict[str, Predicate] = {
    # Figures and notices that leave the court's side for a regulator: the audit head as it stood is
    # signed outside the database at each export (audit_checkpoint_on_commit).
    "audit.signed_export": for_roles(Role.REGULATOR),
}
