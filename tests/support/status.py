"""The case's status document as the apps' section tests read it: stored, and equal to a fresh build."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from xietong.cases.models import CaseStatusDoc
from xietong.cases.status import status_docs_build


def stored_body(case: Any) -> dict[str, Any]:
    """The stored document's body, after checking it is the one a fresh build gives (body and ETag)."""
    stored = CaseStatusDoc.objects.get(pk=case.pk)
    fresh = status_docs_build([case.pk])[case.pk]
    assert json.loads(stored.body) == json.loads(fresh.body)
    assert stored.etag == fresh.etag
    return json.loads(stored.body)


def status_polled(world: Any, case: Any, etag: str | None = None) -> Any:
    """The bank's status call on the case with the world's API token, If-None-Match when given."""
    c = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return c.get(f"/api/v1/cases/{case.pk}/status", **headers)
