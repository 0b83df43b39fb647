"""One permission vocabulary: named actions, registered by their apps, asked by name everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from xietong.accounts.permissions import (
    RegistryClosed,
    RoleCheck,
    may,
    permission_get,
    permission_names,
    permission_register,
)

ROOT = Path(settings.BASE_DIR) / "xietong"
TEMPLATE_NAME = re.compile(r"""\|may:["']([\w.]+)["']""")
CODE_NAME = re.compile(r"""\bmay\(\s*[\w.\[\]"']+,\s*["']([\w.]+)["']""")
ROLE_IN_TEMPLATE = re.compile(r"""\.role\s*(==|!=|\bin\b|\bnot in\b)|\buser\.role\b""")


def templates() -> list[Path]:
    return sorted(ROOT.rglob("templates/**/*.html"))


def test_every_action_a_template_or_the_code_names_is_registered():
    named: dict[str, set[str]] = {}
    for path in templates():
        for name in TEMPLATE_NAME.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for name in CODE_NAME.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert len(named) > 30  # the navigation alone names twenty
    unknown = {name: sorted(where) for name, where in named.items() if name not in permission_names()}
    assert not unknown, f"actions nobody registered: {unknown}"


def test_no_template_decides_by_role():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}"
        for path in templates()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_IN_TEMPLATE.search(line)
    ]
    assert not found, "templates that check a role instead of an action:\n" + "\n".join(found)


def test_an_unknown_action_is_an_error_never_a_quiet_no(world):
    with pytest.raises(ImproperlyConfigured):
        may(world.users["admin"], "batches.no_such_thing")
    with pytest.raises(ImproperlyConfigured):
        Template('{% load permissions %}{% if user|may:"nope.nope" %}x{% endif %}').render(
            Context({"user": world.users["admin"]})
        )


def test_the_registry_is_closed_after_start_up():
    with pytest.raises(RegistryClosed):
        permission_register("accounts.late", RoleCheck({"clerk"}))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", {"batches.use", "cases.list", "accounts.back_office", "service.failures", "intake.counter"}),
        ("clerk", {"cases.list", "service.failures", "intake.counter", "triage.worklist"}),
        ("judge", {"cases.list", "service.failures", "triage.worklist", "judiciary.worklist"}),
        ("bank", {"batches.use", "cases.list", "webhooks.manage", "service.failures", "repayment.worklist"}),
        ("regulator", {"stats.dashboard", "risk.view", "service.failures"}),
        ("station", {"cases.list", "intake.station", "outreach.publish"}),
        ("party", {"cases.own", "intake.apply", "repayment.mine", "lookup.self"}),
        ("mediator", {"cases.list", "mediation.work"}),
    ],
)
def test_the_menu_actions_by_role(world, role, allowed):
    menu = {
        "cases.own", "repayment.mine", "intake.apply", "lookup.self", "cases.list", "triage.worklist",
        "judiciary.worklist", "lookup.use", "mediation.work", "mediation.pool", "intake.counter",
        "repayment.worklist", "batches.use", "webhooks.manage", "service.failures", "intake.station",
        "outreach.publish", "risk.view", "stats.dashboard", "accounts.back_office",
    }  # fmt: skip
    user = world.users[role]
    granted = {name for name in menu if may(user, name)}
    assert allowed <= granted
    # The same answer through the template filter.
    for name in menu:
        out = Template("{% load permissions %}{% if user|may:name %}yes{% endif %}").render(
            Context({"user": user, "name": name})
        )
        assert (out == "yes") == (name in granted), name


def test_nobody_and_an_inactive_account_may_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    admin = world.users["admin"]
    admin.is_active = False
    for name in permission_names():
        if permission_get(name).roles is None:
            continue  # decided by more than a role (some allow the platform itself)
        assert not may(None, name) and not may(AnonymousUser(), name) and not may(admin, name), name
