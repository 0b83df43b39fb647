"""The permission vocabulary stays one: parsed from the source, no code outside the permission modules
decides by comparing roles, and every action the code asks for by name is registered.

A decision "may this actor do X (to this object)" is a named action, `may(actor, "app.verb", obj)`,
whose predicate lives in the app's `permissions.py`. Roles are compared only there, in the case's
lifecycle table (`cases/workflow.py`: the roles each step is granted), where `Role` is defined, and in
demo and test code. Choosing people by their role (`User.objects.filter(role=Role.CLERK)`: whom to
tell) is a query, not a decision, and is allowed anywhere.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings

from xietong.accounts.permissions import permission_names

ROOT = Path(settings.BASE_DIR) / "xietong"

# Where roles may be compared (paths relative to xietong/).
ALLOWED_FILES = {
    "cases/workflow.py",  # the lifecycle table: each step's granted roles
    "accounts/choices.py",  # where Role is defined (and the organisations each role belongs to)
    "accounts/models.py",  # the user model describing its own role
}
ALLOWED_NAMES = {"permissions.py", "demo.py", "factories.py"}
ALLOWED_DIRS = {"tests", "migrations", "demo"}


def allowed(rel: Path) -> bool:
    return (
        str(rel.as_posix()) in ALLOWED_FILES
        or rel.name in ALLOWED_NAMES
        or any(part in ALLOWED_DIRS for part in rel.parts[:-1])
    )


def _is_role(node: ast.AST) -> bool:
    """`Role.CLERK`."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def _role_collection(node: ast.AST) -> bool:
    """A tuple, list or set of Role members, frozenset({...}) of them, or a union (`STAFF | {Role.JUDGE}`)."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_role(e) or _role_collection(e) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set", "tuple"):
        return any(_is_role(a) or _role_collection(a) for a in node.args)
    if isinstance(node, ast.BinOp):
        return _role_collection(node.left) or _role_collection(node.right)
    return False


def _calls(node: ast.AST, name: str) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return (isinstance(func, ast.Name) and func.id == name) or (isinstance(func, ast.Attribute) and func.attr == name)


def role_decisions(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, what) for each raw role decision in `source`."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_role(o) or _role_collection(o) for o in operands):
                found.append((node.lineno, "compares a role"))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _role_collection(node.value):
            found.append((node.lineno, "a set of roles"))
        elif isinstance(node, ast.Call) and _calls(node, "actor_role"):
            found.append((node.lineno, "reads the actor's role"))
    return found


def sources() -> list[tuple[Path, str]]:
    return [(p.relative_to(ROOT), p.read_text(encoding="utf-8")) for p in sorted(ROOT.rglob("*.py"))]


def test_no_code_outside_the_permission_modules_decides_by_role():
    wrong = [
        f"{rel}:{line}: {what}"
        for rel, text in sources()
        if not allowed(rel)
        for line, what in role_decisions(text, str(rel))
    ]
    assert not wrong, (
        "roles compared outside a permissions module: name the action in the app's permissions.py and ask "
        "may(actor, 'app.verb', obj)\n" + "\n".join(wrong)
    )


@pytest.mark.parametrize(
    "code",
    [
        "if actor_role(actor) == Role.CLERK: pass",
        "if user.role in (Role.JUDGE, Role.CLERK): pass",
        "ok = role not in [Role.PARTY]",
        "DRAFTERS = frozenset({Role.CLERK, Role.JUDGE})",
        "STAFF = BASE | {Role.MEDIATOR}",
        "if getattr(actor, 'role', None) != Role.REGULATOR: pass",
        "role = actor_role(actor)",
    ],
)
def test_the_checker_sees_a_raw_role_decision(code):
    assert role_decisions(code)


@pytest.mark.parametrize(
    "code",
    [
        "users = User.objects.filter(role=Role.CLERK, is_active=True)",  # whom to tell: a query
        "users = people(orgs, [Role.REGULATOR])",
        "ok = may(actor, 'cases.view', case)",
        "first = [p for p in parties if p.role in (PartyRole.APPLICANT, PartyRole.PLAINTIFF)]",
    ],
)
def test_the_checker_lets_queries_and_questions_by_name_pass(code):
    assert role_decisions(code) == []


def test_the_allowed_places():
    assert allowed(Path("repayment/permissions.py")) and allowed(Path("cases/workflow.py"))
    assert allowed(Path("repayment/tests/test_services.py")) and allowed(Path("demo/engine.py"))
    assert not allowed(Path("repayment/services.py")) and not allowed(Path("cases/services.py"))


# Every action asked for by name is registered ----------------------------------------------------


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _forwarders(tree: ast.AST) -> dict[str, tuple[int, str]]:
    """Functions that pass one of their parameters on as the action of may(): name -> (position, parameter)."""
    found = {}
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)]
        for call in ast.walk(fn):
            if _calls(call, "may") and len(call.args) >= 2 and isinstance(call.args[1], ast.Name):
                name = call.args[1].id
                if name in params:
                    found[fn.name] = (params.index(name), name)
    return found


def actions_asked(texts: list[tuple[Path, str]]) -> dict[str, set[str]]:
    """Every action named by a literal: `may(actor, "x.y", ...)`, and the literals handed to a function that
    passes its parameter on to may() (`_need(request, "mediation.work")`)."""
    trees = {rel: ast.parse(text, filename=str(rel)) for rel, text in texts}
    public: dict[str, tuple[int, str]] = {}
    private: dict[Path, dict[str, tuple[int, str]]] = {}
    for rel, tree in trees.items():
        for fn, where in _forwarders(tree).items():
            if fn.startswith("_"):
                private.setdefault(rel, {})[fn] = where
            else:
                public[fn] = where
    named: dict[str, set[str]] = defaultdict(set)
    for rel, tree in trees.items():
        forwarders = {**public, **private.get(rel, {}), "may": (1, "name")}
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            fn = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
            if fn not in forwarders:
                continue
            position, keyword = forwarders[fn]
            value = _literal(call.args[position]) if len(call.args) > position else None
            value = value or next((_literal(k.value) for k in call.keywords if k.arg == keyword), None)
            if value is not None:
                named[value].add(f"{rel}:{call.lineno}")
    return named


def test_every_action_the_code_asks_for_is_registered():
    named = actions_asked([(rel, text) for rel, text in sources() if "tests" not in rel.parts])
    assert len(named) > 60
    unknown = {name: sorted(where) for name, where in named.items() if name not in permission_names()}
    assert not unknown, f"actions asked for and never registered: {unknown}"


def test_every_registered_action_is_asked_for_somewhere():
    """No dead words: each action is asked by the code or by a template (`user|may:"x.y"`,
    `{% may_for user "x.y" obj as allowed %}`)."""
    named = set(actions_asked([(rel, text) for rel, text in sources() if "tests" not in rel.parts]))
    for path in ROOT.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"""\|may:["']([\w.]+)["']""", text))
        named |= set(re.findall(r"""\{% may_for \S+ ["']([\w.]+)["']""", text))
    assert sorted(set(permission_names()) - named) == []


def test_the_collector_follows_a_forwarding_function():
    code = (
        "def _need(request, action):\n"
        "    if not may(request.user, action):\n"
        "        raise PermissionDenied\n"
        "def view(request):\n"
        "    _need(request, 'x.forwarded')\n"
        "    _need(request, action='x.keyword')\n"
        "    return may(request.user, 'x.direct', None)\n"
    )
    assert set(actions_asked([(Path("probe.py"), code)])) == {"x.forwarded", "x.keyword", "x.direct"}
