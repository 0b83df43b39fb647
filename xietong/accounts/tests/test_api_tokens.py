"""API tokens: expiry, roll-over with two live tokens, revocation, last use without a write per read, the page."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from xietong.accounts.models import ApiClient, ApiToken
from xietong.accounts.selectors import (
    _live_token_by_prefix,
    api_client_authenticate,
    api_client_for_token,
    api_tokens_forget,
)
from xietong.accounts.services import api_client_create, api_client_revoke, api_token_revoke, api_token_rotate
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


class TestLookup:
    """The token lookup is written out as one statement; it must read what the ORM reads."""

    def test_the_written_out_lookup_reads_what_the_orm_reads(self, world):
        api_client_authenticate(world.api_token)  # a last use, so every datetime column has a value
        ApiToken.objects.filter(client=world.api_client).update(expires_at=timezone.now() + dt.timedelta(days=9))
        prefix = world.api_client.token_prefix
        with CaptureQueriesContext(connection) as read:
            lean = _live_token_by_prefix(prefix)
        assert len(read.captured_queries) == 1
        orm = ApiToken.objects.select_related("client__organisation").get(prefix=prefix, client__is_active=True)
        assert lean is not None
        for got, expected in (
            (lean, orm),
            (lean.client, orm.client),
            (lean.client.organisation, orm.client.organisation),
        ):
            assert type(got) is type(expected) and not got._state.adding and got._state.db == "default"
            for field in type(expected)._meta.concrete_fields:
                assert getattr(got, field.attname) == getattr(expected, field.attname), field.attname
                assert type(getattr(got, field.attname)) is type(getattr(expected, field.attname)), field.attname
        assert timezone.is_aware(lean.created_at) and timezone.is_aware(lean.client.last_used_at)
        with CaptureQueriesContext(connection) as after:
            assert lean.client.organisation.pk == world.bank.pk and str(lean.client)
        assert after.captured_queries == []  # the client and its institution came with the token

    def test_an_unknown_prefix_or_an_inactive_client_finds_nothing(self, world):
        assert _live_token_by_prefix("nosuchprefix") is None
        ApiClient.objects.filter(pk=world.api_client.pk).update(is_active=False)
        assert _live_token_by_prefix(world.api_client.token_prefix) is None
        assert api_client_authenticate(world.api_token) == (None, "unknown")


class TestVerifiedTokenCache:
    """A web process trusts a token it verified for XIETONG_API_TOKEN_CACHE_SECONDS, no longer."""

    @pytest.fixture(autouse=True)
    def cache_on(self, settings):
        settings.XIETONG_API_TOKEN_CACHE_SECONDS = 5
        api_tokens_forget()
        yield
        api_tokens_forget()

    def reads(self, token: str) -> tuple[tuple[ApiClient | None, str], int]:
        """What authentication found, and how many SELECTs it took (the last use is written apart)."""
        with CaptureQueriesContext(connection) as read:
            found = api_client_authenticate(token)
        return found, sum(q["sql"].lstrip().upper().startswith("SELECT") for q in read.captured_queries)

    def test_a_second_call_within_the_interval_reads_nothing_and_gets_its_own_instances(self, world):
        (first, problem), statements = self.reads(world.api_token)
        assert problem == "" and first is not None and statements == 1
        (second, problem), statements = self.reads(world.api_token)
        assert problem == "" and second is not None and statements == 0
        assert second.pk == first.pk and second is not first and second.organisation is not first.organisation
        assert second.organisation.pk == world.bank.pk

    def test_the_last_use_is_still_written_once_per_interval_not_once_per_call(self, world):
        with CaptureQueriesContext(connection) as calls:
            for _ in range(3):
                api_client_authenticate(world.api_token)
        assert [q["sql"].split()[0] for q in calls.captured_queries] == ["SELECT", "UPDATE", "UPDATE"]

    def test_the_entry_lapses_after_the_interval(self, world, monkeypatch):
        self.reads(world.api_token)
        later = time.monotonic() + 5.01
        monkeypatch.setattr(time, "monotonic", lambda: later)
        assert self.reads(world.api_token)[1] == 1

    def test_a_wrong_secret_never_hits_the_entry_of_the_right_one(self, world):
        self.reads(world.api_token)
        forged = world.api_token[:-2] + ("AA" if not world.api_token.endswith("AA") else "BB")
        assert self.reads(forged) == ((None, "unknown"), 1)

    def test_a_revocation_applies_at_once_in_the_process_that_made_it(self, world, django_capture_on_commit_callbacks):
        self.reads(world.api_token)
        token = ApiToken.objects.get(prefix=world.api_client.token_prefix)
        with django_capture_on_commit_callbacks(execute=True):
            api_token_revoke(actor=SYSTEM, token=token)
        assert self.reads(world.api_token)[0] == (None, "revoked")

    def test_a_revoked_client_is_refused_at_once_too(self, world, django_capture_on_commit_callbacks):
        self.reads(world.api_token)
        with django_capture_on_commit_callbacks(execute=True):
            api_client_revoke(actor=SYSTEM, client=world.api_client)
        assert self.reads(world.api_token)[0] == (None, "unknown")

    def test_an_expiry_is_checked_on_every_call(self, world):
        soon = timezone.now() + dt.timedelta(hours=1)
        _api, token = api_client_create(actor=SYSTEM, organisation=world.bank, name="到期系统", expires_at=soon)
        assert self.reads(token)[0][1] == ""
        assert api_client_authenticate(token, now=soon + dt.timedelta(seconds=1)) == (None, "expired")


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
