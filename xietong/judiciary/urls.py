from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("judiciary/", views.worklist, name="judiciary-worklist"),
    path("cases/<int:pk>/judiciary/review/", views.review, name="judiciary-review"),
    path("cases/<int:pk>/judiciary/filing-request/", views.filing_request, name="judiciary-filing-request"),
    path("cases/<int:pk>/judiciary/file/", views.file_case, name="judiciary-file"),
    path("cases/<int:pk>/judiciary/hearings/", views.hearing_new, name="judiciary-hearing-new"),
    path(
        "cases/<int:pk>/judiciary/hearings/<int:hearing_pk>/status/",
        views.hearing_status,
        name="judiciary-hearing-status",
    ),
    path(
        "cases/<int:pk>/judiciary/hearings/<int:hearing_pk>/notice/",
        views.hearing_notice,
        name="judiciary-hearing-notice",
    ),
    path("cases/<int:pk>/judiciary/outcome/", views.outcome, name="judiciary-outcome"),
    path("cases/<int:pk>/judiciary/rulings/<int:ruling_pk>/", views.ruling_pdf, name="judiciary-ruling-pdf"),
]
