"""Reads of outreach articles. Two rules: the public sees published articles only; authors manage
their own organisation's articles (a station agent their station's, the center any)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation

from .choices import ArticleStatus
from .models import Article
from .permissions import restrict_manage


def _base() -> QuerySet[Article]:
    return Article.objects.select_related("organisation", "author")


def articles_published(*, kind: str | None = None, organisation: Organisation | None = None) -> QuerySet[Article]:
    """What everybody may read, newest first."""
    qs = _base().filter(status=ArticleStatus.PUBLISHED)
    if kind:
        qs = qs.filter(kind=kind)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    return qs.order_by("-published_at", "-pk")


def articles_manageable(*, actor: Any) -> QuerySet[Article]:
    """The articles this actor may edit, publish or withdraw, drafts included, latest first."""
    return restrict_manage(_base(), actor).order_by("-created_at", "-pk")


def article_visible(*, actor: Any, pk: int) -> Article | None:
    """One article as this actor may read it: published, or one they manage (drafts too)."""
    manageable = restrict_manage(Article.objects.all(), actor).values("pk")
    return _base().filter(Q(status=ArticleStatus.PUBLISHED) | Q(pk__in=manageable)).filter(pk=pk).first()


def article_manageable(*, actor: Any, pk: int) -> Article | None:
    return restrict_manage(_base(), actor).filter(pk=pk).first()


def station_public(*, pk: int) -> Organisation | None:
    return Organisation.objects.filter(pk=pk, kind=OrganisationKind.STATION).first()
