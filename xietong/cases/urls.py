from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/transition/", views.case_transition_view, name="case-transition"),
    path("cases/<int:pk>/parties/<int:party_pk>/reveal/<str:what>/", views.party_reveal, name="party-reveal"),
]
