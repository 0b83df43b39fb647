from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("suggestions/defects/", views.defects, name="suggestions-defects"),
    path("suggestions/candidates/", views.candidate_list, name="suggestions-candidates"),
    path("suggestions/draft/", views.draft, name="suggestions-draft"),
    path("suggestions/", views.suggestion_list, name="suggestion-list"),
    path("suggestions/export.xlsx", views.suggestion_export, name="suggestion-export"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion-detail"),
    path("suggestions/<int:pk>/sign/", views.suggestion_sign_view, name="suggestion-sign"),
    path("suggestions/<int:pk>/send/", views.suggestion_send_view, name="suggestion-send"),
    path("suggestions/<int:pk>/delivery/", views.suggestion_delivery_view, name="suggestion-delivery"),
    path("suggestions/<int:pk>/answer/", views.suggestion_answer_view, name="suggestion-answer"),
    path("suggestions/<int:pk>/file.<str:fmt>", views.suggestion_file, name="suggestion-file"),
    path(
        "suggestions/<int:pk>/attachments/<int:attachment_pk>/",
        views.answer_attachment,
        name="suggestion-attachment",
    ),
]
