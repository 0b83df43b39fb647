from django.urls import path

from . import views

urlpatterns = [
    path("risk/warnings/", views.warning_list, name="risk-warnings"),
    path("risk/counts/", views.counts_page, name="risk-counts"),
    path("risk/warnings/<int:pk>/", views.warning_page, name="risk-warning"),
    path("risk/warnings/<int:pk>/step/", views.warning_step_view, name="risk-warning-step"),
    path("risk/warnings/<int:pk>/notice/<str:fmt>/", views.warning_notice, name="risk-warning-notice"),
]
