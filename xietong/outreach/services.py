"""Writes of outreach articles: create (as a draft or published at once), edit, publish, withdraw.
Each write is audited in its own transaction."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, DomainError, NotAllowed, NotFound

from .choices import ArticleKind, ArticleStatus
from .models import Article
from .selectors import restrict_manage


def _snapshot(a: Article) -> dict[str, Any]:
    return {
        "kind": a.kind,
        "title": a.title,
        "summary": a.summary,
        "body_length": len(a.body),
        "organisation_id": a.organisation_id,
        "author_id": a.author_id,
        "status": a.status,
        "published_at": a.published_at,
    }


def _is_system(actor: Any) -> bool:
    return getattr(actor, "kind", None) == "system"


def _check_author(actor: Any) -> None:
    if not may(actor, "outreach.write"):
        raise NotAllowed(_("Only station agents and the center publish articles."), code="role")
    org = getattr(actor, "organisation", None)
    if org is None:
        raise NotAllowed(_("Your account belongs to no organisation."), code="no_organisation")
    if may(actor, "outreach.for_station") and org.kind != OrganisationKind.STATION:
        raise NotAllowed(_("Your account does not belong to a rural station."), code="not_a_station")


def _managed(actor: Any, article: Article) -> Article:
    """The article locked for change, or NotAllowed/NotFound under the one management rule."""
    _check_author(actor)
    locked = restrict_manage(Article.objects.select_for_update(), actor).filter(pk=article.pk).first()
    if locked is None:
        if Article.objects.filter(pk=article.pk).exists():
            raise NotAllowed(_("You may change only your own organisation's articles."), code="other_organisation")
        raise NotFound(_("No such article."), code="not_found")
    return locked


def _clean_text(*, kind: str, title: str, summary: str, body: str) -> tuple[str, str, str]:
    if kind not in ArticleKind.values:
        raise DomainError(_("Unknown kind of article."), code="kind")
    title, summary, body = title.strip(), summary.strip(), body.strip()
    if not title:
        raise DomainError(_("Enter a title."), code="title")
    if not body:
        raise DomainError(_("Write the text of the article."), code="body")
    return title, summary, body


@transaction.atomic
def _create(
    *,
    actor: Any,
    author: Any,
    kind: str,
    title: str,
    summary: str,
    body: str,
    publish: bool,
    client_token: str | None,
) -> Article:
    now = timezone.now()
    article = Article(
        kind=kind,
        title=title,
        summary=summary,
        body=body,
        author=author,
        organisation=author.organisation,
        status=ArticleStatus.PUBLISHED if publish else ArticleStatus.DRAFT,
        published_at=now if publish else None,
        created_at=now,
        client_token=client_token or None,
    )
    article.full_clean(exclude=["client_token"])
    article.save()
    audit_record(actor=actor, action=AuditAction.OUTREACH_CREATE, obj=article, after=_snapshot(article))
    if publish:
        audit_record(actor=actor, action=AuditAction.OUTREACH_PUBLISH, obj=article, after=_snapshot(article))
    return article


def _earlier(author: Any, client_token: str) -> Article | None:
    earlier = Article.objects.filter(client_token=client_token).first()
    if earlier is not None and earlier.author_id != author.pk:
        raise Conflict(_("This form was already submitted by someone else."), code="token_reused")
    return earlier


def article_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    summary: str = "",
    body: str,
    publish: bool = False,
    client_token: str | None = None,
    author: Any = None,
) -> Article:
    """Write an article for the actor's own organisation, as a draft or published at once.
    A `client_token` seen before (a double click, a reload) returns the earlier article.
    Only the system (the demo loader) names another `author`."""
    if author is None or not _is_system(actor):
        if author is not None and author != actor:
            raise NotAllowed(_("You write articles under your own name only."), code="author")
        author = actor
    _check_author(author)
    title, summary, body = _clean_text(kind=kind, title=title, summary=summary, body=body)
    if client_token and (earlier := _earlier(author, client_token)) is not None:
        return earlier
    try:
        return _create(
            actor=actor,
            author=author,
            kind=kind,
            title=title,
            summary=summary,
            body=body,
            publish=publish,
            client_token=client_token,
        )
    except IntegrityError:
        earlier = _earlier(author, client_token) if client_token else None
        if earlier is None:
            raise
        return earlier


@transaction.atomic
def article_update(*, actor: Any, article: Article, kind: str, title: str, summary: str = "", body: str) -> Article:
    """Change the text of an article the actor manages; its state stays as it is."""
    article = _managed(actor, article)
    title, summary, body = _clean_text(kind=kind, title=title, summary=summary, body=body)
    before = _snapshot(article)
    article.kind, article.title, article.summary, article.body = kind, title, summary, body
    article.full_clean(exclude=["client_token"])
    article.save()
    audit_record(actor=actor, action=AuditAction.OUTREACH_UPDATE, obj=article, before=before, after=_snapshot(article))
    return article


@transaction.atomic
def article_publish(*, actor: Any, article: Article) -> Article:
    """Publish a draft (or a withdrawn article again): from now on everybody can read it."""
    article = _managed(actor, article)
    if article.status == ArticleStatus.PUBLISHED:
        raise Conflict(_("This article is already published."), code="already_published")
    before = _snapshot(article)
    article.status = ArticleStatus.PUBLISHED
    article.published_at = timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, action=AuditAction.OUTREACH_PUBLISH, obj=article, before=before, after=_snapshot(article))
    return article


@transaction.atomic
def article_withdraw(*, actor: Any, article: Article) -> Article:
    """Take a published article down: the public no longer sees it; its authors still do."""
    article = _managed(actor, article)
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict(_("Only a published article can be withdrawn."), code="not_published")
    before = _snapshot(article)
    article.status = ArticleStatus.WITHDRAWN
    article.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action=AuditAction.OUTREACH_WITHDRAW, obj=article, before=before, after=_snapshot(article)
    )
    return article
