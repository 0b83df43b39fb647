"""The back office speaks Chinese too: its own title, and the third-party models' names."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_back_office_is_the_platforms_and_names_login_attempts_in_chinese(admin_client):
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "协同 · 后台管理" in html and "Django 管理" not in html
    assert "登录尝试" in html and "后台任务" in html
    assert "Access attempts" not in html and "Task Results" not in html


def test_the_back_office_names_the_platforms_icon(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert 'rel="icon"' in html and "xietong/favicon" in html
