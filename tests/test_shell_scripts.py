"""Every shell script parses: serve.sh runs only in the PostgreSQL-only production test, so a quote
left open in it would otherwise pass every SQLite run unnoticed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted([*ROOT.glob("scripts/*.sh"), ROOT / ".ci" / "run"])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_script_parses(script: Path) -> None:
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_serve_names_each_missing_setting() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": "postgres://x@127.0.0.1/x",
        "SECRET_KEY": "x",
        "AUDIT_HMAC_KEY": "x",
    }
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "PUBLIC_BASE_URL" in result.stderr, result.stderr
