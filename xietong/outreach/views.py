"""Outreach pages: the public reading pages (/learn/...) and the authors' pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xietong.accounts.permissions import may
from xietong.core.errors import DomainError, NotAllowed, NotFound

from .choices import ArticleKind
from .forms import ArticleCreateForm, ArticleForm
from .models import Article
from .selectors import article_manageable, article_visible, articles_manageable, articles_published, station_public
from .services import article_create, article_publish, article_update, article_withdraw


def _author(request: HttpRequest) -> Any:
    if not may(request.user, "outreach.publish"):
        raise PermissionDenied
    return request.user


def _managed_or_404(request: HttpRequest, pk: int) -> tuple[Any, Article]:
    actor = _author(request)
    article = article_manageable(actor=actor, pk=pk)
    if article is None:
        raise Http404
    return actor, article


def _kind_filter(request: HttpRequest) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in ArticleKind.values else ""


def learn(request: HttpRequest) -> HttpResponse:
    """Everybody: published articles and alerts, newest first, filtered by kind."""
    kind = _kind_filter(request)
    articles = list(articles_published(kind=kind or None)[:100])
    return render(request, "outreach/list.html", {"articles": articles, "kind": kind, "kinds": ArticleKind.choices})


def learn_station(request: HttpRequest, pk: int) -> HttpResponse:
    """Everybody: one rural station's published articles."""
    station = station_public(pk=pk)
    if station is None:
        raise Http404
    kind = _kind_filter(request)
    articles = list(articles_published(kind=kind or None, organisation=station)[:100])
    ctx = {"articles": articles, "kind": kind, "kinds": ArticleKind.choices, "station": station}
    return render(request, "outreach/list.html", ctx)


def learn_article(request: HttpRequest, pk: int) -> HttpResponse:
    """Everybody reads a published article; its authors also see it as a draft or withdrawn."""
    article = article_visible(actor=request.user, pk=pk)
    if article is None:
        raise Http404
    may_manage = article_manageable(actor=request.user, pk=pk) is not None
    return render(request, "outreach/article.html", {"article": article, "may_manage": may_manage})


@login_required
def learn_mine(request: HttpRequest) -> HttpResponse:
    """Authors: their organisation's articles in every state (the center: all), with actions."""
    actor = _author(request)
    articles = list(articles_manageable(actor=actor)[:200])
    return render(request, "outreach/mine.html", {"articles": articles})


@login_required
@require_http_methods(["GET", "POST"])
def learn_new(request: HttpRequest) -> HttpResponse:
    actor = _author(request)
    form = ArticleCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            article = article_create(
                actor=actor,
                kind=d["kind"],
                title=d["title"],
                summary=d["summary"],
                body=d["body"],
                publish=d["publish"],
                client_token=d["client_token"],
            )
        except NotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from None
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            if article.is_public:
                messages.success(request, _("The article is published."))
            else:
                messages.success(request, _("The article is saved as a draft."))
            return redirect("learn-article", pk=article.pk)
    return render(request, "outreach/form.html", {"form": form, "article": None})


@login_required
@require_http_methods(["GET", "POST"])
def learn_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor, article = _managed_or_404(request, pk)
    initial = {"kind": article.kind, "title": article.title, "summary": article.summary, "body": article.body}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            article_update(
                actor=actor, article=article, kind=d["kind"], title=d["title"], summary=d["summary"], body=d["body"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The article is saved."))
            return redirect("learn-article", pk=article.pk)
    return render(request, "outreach/form.html", {"form": form, "article": article})


def _action(request: HttpRequest, pk: int, service: Callable[..., Article], done: str) -> HttpResponse:
    actor, article = _managed_or_404(request, pk)
    try:
        service(actor=actor, article=article)
    except NotFound:
        raise Http404 from None
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("learn-mine")


@login_required
@require_POST
def learn_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, article_publish, _("The article is published."))


@login_required
@require_POST
def learn_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, article_withdraw, _("The article is withdrawn: the public no longer sees it."))
