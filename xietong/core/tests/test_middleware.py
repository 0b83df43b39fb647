"""A NUL character never reaches a view: 400, in the API's error format under /api/."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "data", "content_type"),
    [
        ("get", "/api/v1/cases/by-number?number=%00abc", None, None),
        ("post", "/api/v1/lookup/status/code", '{"number": "a\\u0000b"}', "application/json"),
        ("get", "/learn/?q=%00", None, None),
        ("post", "/login/", "username=a%00b&password=x", "application/x-www-form-urlencoded"),
    ],
)
def test_a_nul_character_is_refused_before_any_view(world, method, path, data, content_type):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.api_token}"
    kwargs = {"content_type": content_type} if content_type else {}
    response = getattr(client, method)(path, data, **kwargs) if data is not None else getattr(client, method)(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "nul_character"


@pytest.mark.django_db
def test_an_escaped_backslash_before_u0000_is_text_not_nul(world):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    # the JSON text "a\\u0000b" is the characters a, backslash, u0000, b: no NUL; the view answers
    response = client.post("/api/v1/lookup/status/code", '{"number": "a\\\\u0000b"}', content_type="application/json")
    assert response.status_code != 500 and response.json().get("error", {}).get("code") != "nul_character"
