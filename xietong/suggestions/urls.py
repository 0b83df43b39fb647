from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("suggestions/defects/", views.defects, name="suggestions-defects"),
    path("suggestions/candidates/", views.candidate_list, name="suggestions-candidates"),
]
