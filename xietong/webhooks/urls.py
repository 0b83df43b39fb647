from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/deliveries/", views.webhook_deliveries, name="webhook-deliveries"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path("webhooks/<int:pk>/toggle/", views.webhook_toggle, name="webhook-toggle"),
    path("webhooks/deliveries/<int:pk>/replay/", views.webhook_replay, name="webhook-replay"),
]
