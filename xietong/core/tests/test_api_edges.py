"""The API's edges: every 404 under /api/ in the JSON error format, bounded paging, validated date-times."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def bearer(world) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")


@pytest.mark.parametrize(
    "url",
    [
        "/api/",
        "/api/v1/",
        "/api/v1/nothing-here",
        "/api/v2/cases",
        "/api/v1/cases/-3",
        "/api/v1/cases/abc",
        "/api/v1/cases/1.5",
        "/api/v1/cases/99999999999999999999999",
        "/api/v1/mediation/cases/-320/offers",
        "/api/v1/mediation/cases/abc/offers",
        "/api/v1/batches/abc",
        "/api/v1/batches/%E4%B8%AD/errors",
        "/api/v1/risk/warnings/x",
    ],
)
def test_every_404_under_api_is_the_json_error(world, url):
    r = bearer(world).get(url)
    assert r.status_code == 404, (url, r.status_code, r.content[:200])
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"] == "not_found"


def test_a_post_to_no_operation_is_the_json_404_not_a_csrf_page(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users["bank"])
    for url in ("/api/v1/agreements/-320/sign", "/api/v1/nothing-here"):
        r = c.post(url, "{}", content_type="application/json")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", url


def test_the_json_404_holds_in_debug_too(world, settings):
    settings.DEBUG = True
    r = bearer(world).get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


HUGE = str(2**63)  # one past the largest SQL integer


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/cases?offset={HUGE}",
        f"/api/v1/cases?limit={HUGE}",
        "/api/v1/cases?offset=-1",
        "/api/v1/cases?limit=0",
        f"/api/v1/batches?offset={HUGE}",
        f"/api/v1/batches?limit={HUGE}",
        f"/api/v1/batches/1/errors?offset={HUGE}",
        f"/api/v1/batches/1/cases?offset={HUGE}",
    ],
)
def test_paging_values_past_any_page_are_refused_not_500(world, url):
    r = bearer(world).get(url)
    assert r.status_code == 422, (url, r.status_code, r.content[:300])
    assert r.json()["error"]["code"] == "invalid"


def test_paging_within_the_bounds_still_pages(world):
    r = bearer(world).get("/api/v1/cases?limit=100&offset=2147483647")
    assert r.status_code == 200 and r.json()["items"] == []


@pytest.mark.parametrize(
    "since",
    [
        "2026-11-01T00:00:00",  # no offset: which 00:00?
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-05:00",  # past year 9999 in UTC
        "1900-01-01T00:00:00+08:00",
        "not a time",
    ],
)
def test_date_time_query_values_are_validated(world, since):
    c = Client()
    c.force_login(world.users["admin"])
    r = c.get("/api/v1/service/failures", {"since": since})
    assert r.status_code == 422, (since, r.status_code, r.content[:300])
    assert r.json()["error"]["code"] == "invalid"


def test_an_aware_date_time_is_taken(world):
    c = Client()
    c.force_login(world.users["admin"])
    r = c.get("/api/v1/service/failures", {"since": "2026-11-01T00:00:00+08:00"})
    assert r.status_code == 200, r.content[:300]
    since = dt.datetime.fromisoformat(r.json()["since"])
    assert since == dt.datetime(2026, 10, 31, 16, tzinfo=dt.UTC)


def test_every_schema_in_the_document_has_its_own_name():
    """The OpenAPI document names each schema by its class: two classes of one name make one component,
    and one of the operations answers off its documented schema (the batch follow-up's outcome did)."""
    from ninja import Schema

    from xietong.api import api

    components = set(api.get_openapi_schema()["components"]["schemas"])

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    by_name: dict[str, set[str]] = {}
    for cls in every(Schema):
        if cls.__module__.startswith("xietong.") and cls.__name__ in components:
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not shared, shared
