"""Health endpoints for load balancers and orchestrators: no login, JSON, nothing secret."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import selectors

logger = logging.getLogger("xietong.ops.health")

# Checks run in these threads, so a database that does not answer costs a probe its timeout, not
# a hung web process. Each thread has its own database connection, closed after the checks.
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")
CHECKS = ("database", "migrations", "worker", "queue")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answers. No database, no cache: cheap enough to be the benchmark's ceiling."""
    return JsonResponse({"status": "ok"})


def run_checks(names: tuple[str, ...], timeout: float, language: str | None) -> dict[str, selectors.Check]:
    """The checks, in a thread of the pool (with the request's language: translations are per thread)."""
    results: dict[str, selectors.Check] = {}
    try:
        translation.activate(language or settings.LANGUAGE_CODE)
        try:
            results["database"] = selectors.check_database(timeout=timeout)
        except DatabaseError as exc:
            reason = _("database unreachable (%(error)s)") % {"error": type(exc).__name__}
            results["database"] = {"ok": False, "error": reason}
            logger.warning("readyz: database unreachable: %s", exc)
            for name in names:
                if name != "database":
                    results[name] = {"ok": False, "error": _("not checked: the database is unreachable")}
            return results
        steps: dict[str, Callable[[], selectors.Check]] = {
            "migrations": selectors.check_migrations,
            "worker": selectors.check_worker,
            "queue": selectors.check_queue,
        }
        uses_db_queue = selectors.queue_is_database()
        for name in names:
            if name == "database":
                continue
            if name in ("worker", "queue") and not uses_db_queue:
                results[name] = {"ok": True, "skipped": _("the task backend is not the database queue")}
                continue
            try:
                results[name] = steps[name]()
            except DatabaseError as exc:
                results[name] = {"ok": False, "error": type(exc).__name__}
        return results
    finally:
        translation.deactivate()
        connections.close_all()


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: database, migrations, a worker seen lately, a queue that moves.

    `?checks=database,migrations` limits the checks (a web process's readiness need not depend on
    the workers). 503 with the reasons when any fails; never longer than the timeout.
    """
    wanted = request.GET.get("checks")
    names = CHECKS if not wanted else tuple(n for n in CHECKS if n in wanted.split(","))
    if "database" not in names:
        names = ("database", *names)
    timeout = float(settings.XIETONG_READYZ_TIMEOUT_SECONDS)
    future = _pool.submit(run_checks, names, timeout, translation.get_language())
    try:
        checks = future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        reason = _("the database did not answer within %(s)s s") % {"s": timeout}
        checks = {"database": {"ok": False, "error": reason}}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (django-prometheus), only with XIETONG_METRICS=1; 404 otherwise."""
    if not settings.XIETONG_METRICS:
        raise Http404
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from .metrics import metrics_registry

    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
