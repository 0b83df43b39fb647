from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("mediation/", views.my_cases, name="mediation-my"),
    path("mediation/pool/", views.pool, name="mediation-pool"),
    path("mediation/pool/<int:user_id>/", views.profile_edit, name="mediation-profile"),
    path("cases/<int:pk>/mediation/assign/", views.assign, name="mediation-assign"),
    path("cases/<int:pk>/mediation/contacts/", views.contact_create, name="mediation-contact"),
    path("cases/<int:pk>/mediation/sessions/", views.session_create, name="mediation-session"),
    path(
        "cases/<int:pk>/mediation/sessions/<int:session_id>/status/",
        views.session_status,
        name="mediation-session-status",
    ),
    path("cases/<int:pk>/mediation/offers/", views.offer_create, name="mediation-offer"),
    path(
        "cases/<int:pk>/mediation/offers/<int:offer_id>/answer/",
        views.offer_answer_view,
        name="mediation-offer-answer",
    ),
    path("cases/<int:pk>/mediation/affordability/", views.affordability_view, name="mediation-affordability"),
    path("cases/<int:pk>/mediation/timezone/", views.timezone_set, name="mediation-timezone"),
]
