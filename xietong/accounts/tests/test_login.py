import os
import subprocess
import sys

from django.conf import settings
from django.urls import reverse

from tests.support.world import PASSWORD
from xietong.audit.models import AuditEntry


def test_login_and_failed_login_are_audited(client, world):
    r = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert r.status_code == 302
    assert AuditEntry.objects.filter(action="user.login", actor_id=world.users["clerk"].pk).exists()
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "clerk", "password": "nope"})
    assert AuditEntry.objects.filter(action="user.login_failed", object_repr="clerk").exists()


def test_five_failures_lock_the_account_even_for_the_right_password(client, world):
    for _ in range(5):
        r = client.post(reverse("login"), {"username": "judge", "password": "wrong"})
    r = client.post(reverse("login"), {"username": "judge", "password": PASSWORD})
    assert r.status_code == 429
    assert "15" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2_in_production():
    from xietong.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "xietong.settings.production"
    proc = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "SECRET_KEY is not set" in proc.stderr


def test_production_settings_are_secure():
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 60,
        "AUDIT_HMAC_KEY": "k" * 48,
        "PUBLIC_BASE_URL": "https://xietong.example.org",
        "DJANGO_SETTINGS_MODULE": "xietong.settings.production",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG, s.DEMO_MODE, s.SECURE_HSTS_SECONDS > 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.split() == ["True", "True", "False", "False", "True"], proc.stderr
