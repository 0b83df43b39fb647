from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:pk>/service/send/", views.document_send, name="service-send"),
    path("service/documents/<int:pk>/", views.document_download, name="service-document"),
    path("service/records/<int:pk>/attempt/", views.attempt_record, name="service-attempt"),
    path("service/records/<int:pk>/alternative/", views.alternative_record, name="service-alternative"),
    path("service/failures/", views.failures, name="service-failures"),
    # The link sent to the party: the token is the credential (no login).
    path("s/<str:token>/", views.open_link, name="service-open"),
    path("s/<str:token>/file/", views.open_link_file, name="service-open-file"),
]
