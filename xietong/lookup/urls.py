from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("lookup/", views.lookup, name="lookup"),
    path("lookup/open/", views.lookup_open, name="lookup-open"),
    path("my/", views.my_cases, name="my-cases"),
    path("my/lookup/", views.my_lookup, name="my-lookup"),
    path("status/", views.status_check, name="status-check"),
]
