from django.urls import URLPattern, URLResolver, path

from . import attachments, authorisations, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("apply/", views.apply, name="intake-apply"),
    path("apply/relative/", views.apply_relative, name="intake-apply-relative"),
    path("counter/new/", views.counter_new, name="intake-counter"),
    path("station/file/", views.station_file, name="intake-station"),
    path("register/", views.register, name="intake-register"),
    path("claim/", views.claim, name="intake-claim"),
    path("cases/<int:pk>/attachments/<int:attachment_pk>/", attachments.case_attachment, name="case-attachment"),
    path(
        "cases/<int:pk>/parties/<int:party_pk>/authorisation/",
        authorisations.case_party_authorisation,
        name="case-party-authorisation",
    ),
    path("authorisations/<int:pk>/document/", authorisations.authorisation_document, name="authorisation-document"),
]
