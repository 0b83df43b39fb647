from django.contrib import admin

from xietong.core.admin import AuditedModelAdmin

from .models import Article


@admin.register(Article)
class ArticleAdmin(AuditedModelAdmin[Article]):
    """For oversight; articles are written and published on the /learn/ pages."""

    list_display = ["title", "kind", "organisation", "author", "status", "published_at"]
    list_filter = ["kind", "status", "organisation"]
    search_fields = ["title", "summary"]
    raw_id_fields = ["author"]
    readonly_fields = ["client_token", "created_at", "updated_at"]
