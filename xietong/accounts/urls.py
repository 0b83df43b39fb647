from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("api-clients/", views.api_clients, name="api-clients"),
    path("api-clients/<int:pk>/rotate/", views.api_client_rotate, name="api-client-rotate"),
    path("api-clients/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
]
