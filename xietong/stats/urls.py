from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figures.xlsx", views.dashboard_xlsx, name="dashboard-xlsx"),
    path("figures/", views.public_figures, name="public-figures"),
]
