"""The import structure: `cases` is a door, not a hallway.

Parsed from the source (no import side effects): nothing under xietong/cases/ imports from the apps
above it, and no app imports a name starting with `_` from another app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks

ROOT = Path(settings.BASE_DIR) / "xietong"
# The apps that stand on `cases` (they may import it; it may not import them).
ABOVE_CASES = {
    "agreements",
    "judiciary",
    "service",
    "mediation",
    "intake",
    "triage",
    "lookup",
    "batches",
    "webhooks",
    "outreach",
    "documents",
    "demo",
    "repayment",
    "risk",
    "suggestions",
    "stats",
    "ops",
}


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) for every `import` and `from ... import` in a file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name, []) for a in node.names)
    return found


def app_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def sources() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "migrations" not in p.parts]


def test_cases_imports_nothing_from_the_apps_above_it():
    wrong = []
    for path in (ROOT / "cases").rglob("*.py"):
        for line, module, _names in imports(path):
            parts = module.split(".")
            if parts[0] == "xietong" and len(parts) > 1 and parts[1] in ABOVE_CASES:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "cases imports from the apps above it:\n" + "\n".join(wrong)


def test_no_app_imports_a_private_name_of_another_app():
    wrong = []
    for path in sources():
        own = app_of(path)
        for line, module, names in imports(path):
            parts = module.split(".")
            if parts[0] != "xietong" or len(parts) < 2 or parts[1] == own:
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private += [p for p in parts[2:] if p.startswith("_") and not p.startswith("__")]
            if private:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {', '.join(private)} from {module}")
    assert not wrong, "private names imported across apps:\n" + "\n".join(wrong)


def test_the_checker_itself_sees_an_upward_import(tmp_path):
    """The parse finds nested imports too (a test that can fail)."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from xietong.judiciary.guards import _x\n", encoding="utf-8")
    assert imports(probe) == [(2, "xietong.judiciary.guards", ["_x"])]


def test_the_registry_is_complete_and_closed():
    from xietong.cases.registry import RegistryClosed, guard_register, registry

    assert [e for e in checks.run_checks() if e.id and e.id.startswith("cases.")] == []
    with pytest.raises(RegistryClosed):
        guard_register("late.guard", lambda case, actor, note: None)
    assert "late.guard" not in registry.guards


def test_the_system_check_refuses_a_guard_nobody_registered(monkeypatch):
    from xietong.cases import checks as case_checks
    from xietong.cases.registry import registry

    monkeypatch.delitem(registry.guards._items, "judiciary.confirm_ready")
    errors = case_checks.registry_complete()
    assert [e.id for e in errors] == ["cases.E001"]
    assert "judiciary.confirm_ready" in errors[0].msg


def test_every_event_kind_has_a_label_in_both_languages():
    from django.utils import translation

    from xietong.cases.registry import registry

    for code, kind in registry.event_kinds.items():
        with translation.override("en"):
            english = str(kind.label)
        with translation.override("zh-hans"):
            chinese = str(kind.label)
        assert english and english != code, code
        assert chinese != english, f"{code}: no Chinese label ({english})"
