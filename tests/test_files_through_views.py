"""Uploads and generated documents leave only through views that apply the case's visibility.

MEDIA_ROOT is never served (see the ruling test in xietong/judiciary/tests/test_views.py, in dev settings);
here: no page or code links to a stored file's own URL, which would point into /media/.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "xietong"
FILE_URL = re.compile(r"\.(?:pdf|file|document|attachment)\.url\b|MEDIA_URL|\bstatic\(\s*settings\.MEDIA")


def test_no_template_or_view_links_to_a_stored_file_directly():
    found = []
    for path in sorted([*ROOT.rglob("*.html"), *ROOT.rglob("*.py")]):
        rel = path.relative_to(ROOT.parent).as_posix()
        if "/tests/" in rel or "/settings/" in rel or "/migrations/" in rel:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FILE_URL.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "a stored file linked without its audited view:\n" + "\n".join(found)
