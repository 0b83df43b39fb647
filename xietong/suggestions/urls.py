from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("suggestions/defects/", views.defects, name="suggestions-defects"),
    path("suggestions/candidates/", views.candidate_list, name="suggestions-candidates"),
    path("suggestions/draft/", views.draft_from_candidate, name="suggestions-draft"),
    path("suggestions/", views.suggestion_list, name="suggestion-list"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion-detail"),
    path("suggestions/<int:pk>/sign/", views.suggestion_sign_view, name="suggestion-sign"),
    path("suggestions/<int:pk>/file.<str:fmt>", views.suggestion_file, name="suggestion-file"),
]
