"""API tokens: expiry, roll-over with two live tokens, revocation, last use without a write per read, the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from xietong.accounts.models import ApiClient, ApiToken
from xietong.accounts.selectors import api_client_authenticate, api_client_for_token
from xietong.accounts.services import api_client_create, api_token_revoke, api_token_rotate
from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import SYSTEM, audit_verify

pytestmark = pytest.mark.django_db


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()  # type: ignore[return-value]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class TestExpiry:
    def test_a_token_works_until_its_expiry_then_is_refused_with_a_clear_401(self, world, client):
        soon = timezone.now() + dt.timedelta(hours=1)
        api, token = api_client_create(actor=SYSTEM, organisation=world.bank, name="到期系统", expires_at=soon)
        assert api_client_for_token(token).pk == api.pk
        assert client.get("/api/v1/cases", **bearer(token)).status_code == 200
        assert api_client_authenticate(token, now=soon + dt.timedelta(seconds=1)) == (None, "expired")
        ApiToken.objects.filter(client=api).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        response = client.get("/api/v1/cases", **bearer(token), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "token_expired" and "expired" in error["message"]

    def test_a_wrong_secret_is_not_told_that_the_token_expired(self, world, client):
        api, token = api_client_create(actor=SYSTEM, organisation=world.bank, name="到期系统")
        ApiToken.objects.filter(client=api).update(expires_at=timezone.now() - dt.timedelta(days=1))
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert api_client_authenticate(forged) == (None, "unknown")
        response = client.get("/api/v1/cases", **bearer(forged))
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"

    def test_an_expiry_in_the_past_is_refused(self, world):
        with pytest.raises(ValidationError):
            api_client_create(
                actor=SYSTEM, organisation=world.bank, name="x", expires_at=timezone.now() - dt.timedelta(days=1)
            )


class TestRollOver:
    def test_the_new_token_and_the_old_one_both_work_until_the_old_one_is_revoked(self, world, client):
        admin = world.users["bank"]
        api = world.api_client
        new, secret = api_token_rotate(actor=admin, client=api)
        assert secret.startswith(f"xt_{new.prefix}_") and new.token_hash == ApiClient.hash_token(secret)
        e = last_entry()
        assert e.action == AuditAction.API_TOKEN_CREATE and e.actor_id == admin.pk
        assert e.after["prefix"] == new.prefix and secret not in str(e.after)
        for token in (world.api_token, secret):
            assert client.get("/api/v1/cases", **bearer(token)).status_code == 200
        old = ApiToken.objects.get(client=api, prefix=api.token_prefix)
        api_token_revoke(actor=admin, token=old)
        e = last_entry()
        assert e.action == AuditAction.API_TOKEN_REVOKE and e.after == {"prefix": old.prefix, "revoked": True}
        response = client.get("/api/v1/cases", **bearer(world.api_token), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"
        assert client.get("/api/v1/cases", **bearer(secret)).status_code == 200
        assert audit_verify()[1] is None

    def test_the_old_token_can_be_given_a_last_day(self, world):
        until = timezone.now() + dt.timedelta(days=7)
        _new, secret = api_token_rotate(actor=SYSTEM, client=world.api_client, old_until=until)
        old = ApiToken.objects.get(prefix=world.api_client.token_prefix)
        assert old.expires_at == until
        assert api_client_authenticate(world.api_token, now=until + dt.timedelta(seconds=1))[1] == "expired"
        assert api_client_authenticate(secret, now=until + dt.timedelta(seconds=1))[1] == ""

    def test_a_third_live_token_is_refused_until_one_is_revoked(self, world):
        api_token_rotate(actor=SYSTEM, client=world.api_client)
        count = AuditEntry.objects.count()
        with translation.override("en"), pytest.raises(ValidationError, match="live tokens"):
            api_token_rotate(actor=SYSTEM, client=world.api_client)
        assert AuditEntry.objects.count() == count
        assert ApiToken.objects.filter(client=world.api_client).count() == 2

    def test_a_revoked_client_gets_no_new_token(self, world):
        from xietong.accounts.services import api_client_revoke

        api_client_revoke(actor=SYSTEM, client=world.api_client)
        with pytest.raises(ValidationError):
            api_token_rotate(actor=SYSTEM, client=world.api_client)

    def test_the_audit_names_the_token_that_made_the_call(self, world):
        new, secret = api_token_rotate(actor=SYSTEM, client=world.api_client)
        assert api_client_for_token(secret).audit_label.startswith(f"api:{new.prefix} ")
        assert api_client_for_token(world.api_token).audit_label.startswith(f"api:{world.api_client.token_prefix} ")


class TestLastUse:
    def test_a_read_writes_the_last_use_at_most_once_per_interval(self, world, settings):
        settings.XIETONG_API_LAST_USED_EVERY_SECONDS = 300
        token = ApiToken.objects.get(prefix=world.api_client.token_prefix)
        assert token.last_used_at is None
        t0 = timezone.now()
        with CaptureQueriesContext(connection) as first:
            api_client_authenticate(world.api_token, now=t0)
        assert sum("UPDATE" in q["sql"] for q in first.captured_queries) == 2  # the token and its client
        with CaptureQueriesContext(connection) as later:
            for seconds in (1, 60, 299):
                api_client_authenticate(world.api_token, now=t0 + dt.timedelta(seconds=seconds))
        assert [q["sql"] for q in later.captured_queries if "UPDATE" in q["sql"]] == []
        assert len(later.captured_queries) == 3  # one SELECT per call
        api_client_authenticate(world.api_token, now=t0 + dt.timedelta(seconds=301))
        token.refresh_from_db()
        world.api_client.refresh_from_db()
        assert token.last_used_at == world.api_client.last_used_at == t0 + dt.timedelta(seconds=301)


class TestPage:
    def test_an_operator_sees_the_last_use_and_rolls_a_token_over(self, world, client):
        api_client_authenticate(world.api_token)
        client.force_login(world.users["bank"])
        page = client.get("/api-clients/", HTTP_ACCEPT_LANGUAGE="en")
        text = page.content.decode()
        assert page.status_code == 200
        assert "邮储核心系统" in text and "农商行系统" not in text  # only their institution's clients
        assert f"xt_{world.api_client.token_prefix}_" in text and "never" not in text
        response = client.post(
            f"/api-clients/{world.api_client.pk}/rotate/",
            {"old_until": (timezone.localdate() + dt.timedelta(days=7)).isoformat()},
        )
        assert response.status_code == 302
        new = ApiToken.objects.filter(client=world.api_client).exclude(prefix=world.api_client.token_prefix).get()
        page = client.get("/api-clients/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"xt_{new.prefix}_" in page and "shown only once" in page  # the whole token, once
        assert "Two tokens are live" in page and 'data-testid="api-client-rotate"' not in page
        secret = page.split('data-testid="api-new-token-value">')[1].split("<")[0]
        assert ApiClient.hash_token(secret) == new.token_hash
        again = client.get("/api-clients/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert secret not in again
        old = ApiToken.objects.get(prefix=world.api_client.token_prefix)
        assert old.expires_at is not None and timezone.localtime(old.expires_at).date() == (
            timezone.localdate() + dt.timedelta(days=8)
        )
        assert client.post(f"/api-clients/tokens/{old.pk}/revoke/").status_code == 302
        old.refresh_from_db()
        assert old.revoked_at is not None

    def test_another_institution_cannot_touch_the_clients_tokens(self, world, client):
        client.force_login(world.users["other_bank"])
        token = ApiToken.objects.get(prefix=world.api_client.token_prefix)
        assert client.post(f"/api-clients/{world.api_client.pk}/rotate/").status_code == 404
        assert client.post(f"/api-clients/tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None and ApiToken.objects.filter(client=world.api_client).count() == 1
        client.force_login(world.users["clerk"])
        assert client.get("/api-clients/").status_code == 403
