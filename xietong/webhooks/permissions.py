"""The webhooks' actions."""

from __future__ import annotations

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles

PERMISSIONS: dict[str, Predicate] = {
    # An institution's operators manage their institution's endpoints; the center every institution's.
    "webhooks.manage": for_roles(Role.CENTER_ADMIN, Role.INSTITUTION_OPERATOR),
    "webhooks.any_institution": for_roles(Role.CENTER_ADMIN),
}
