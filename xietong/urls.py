from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from xietong.api import api
from xietong.core.api import api_not_found

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("xietong.ops.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api_not_found, name="api-not-found"),  # ninja's own root raises a bare 404 (a page)
    path("api/v1/", api.urls),
    path("", include("xietong.accounts.urls")),
    path("", include("xietong.cases.urls")),
    path("", include("xietong.triage.urls")),
    path("", include("xietong.intake.urls")),
    path("", include("xietong.lookup.urls")),
    path("", include("xietong.batches.urls")),
    path("", include("xietong.webhooks.urls")),
    path("", include("xietong.outreach.urls")),
    path("", include("xietong.mediation.urls")),
    path("", include("xietong.agreements.urls")),
    path("", include("xietong.judiciary.urls")),
    path("", include("xietong.service.urls")),
    path("", include("xietong.repayment.urls")),
    path("", include("xietong.risk.urls")),
    path("", include("xietong.suggestions.urls")),
    path("", include("xietong.stats.urls")),
    # Last: whatever else is asked under /api/ is the API's JSON 404, not a page.
    re_path(r"^api/", api_not_found, name="api-not-found"),
]
# MEDIA_ROOT (uploads, rulings, agreements) is never served as /media/, not even in the demo: every file
# is taken away through its view, which applies the case's visibility and audits the download.
