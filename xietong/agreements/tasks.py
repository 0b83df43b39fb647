"""Background tasks of the agreements (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from xietong.ops.retry import retry_safe


@retry_safe(max_attempts=5, backoff_seconds=30)  # idempotent: a rendered PDF is kept
@task()
def agreement_pdf_render(agreement_id: int) -> str:
    """Render a signed agreement's PDF after its freezing committed; its hash is recorded then."""
    from .models import Agreement
    from .services import agreement_pdf_ensure

    return agreement_pdf_ensure(agreement=Agreement.objects.get(pk=agreement_id)).pdf_sha256
