"""The service's actions."""

from __future__ import annotations

from xietong.accounts.choices import Role
from xietong.accounts.permissions import Predicate, for_roles

from .services import record_predicate, send_predicate

PERMISSIONS: dict[str, Predicate] = {
    "service.send": send_predicate,  # send a document for service (on a case: its court, its mediator)
    "service.record": record_predicate,  # record attempts and alternatives (the court holding the case)
    # Service failures per institution (story 5): the courts and the center every institution, an
    # institution's operators their own, regulators the same figures.
    "service.failures": for_roles(Role.CENTER_ADMIN, Role.CLERK, Role.JUDGE, Role.REGULATOR, Role.INSTITUTION_OPERATOR),
}
