from django.urls import URLPattern, URLResolver, path

from . import views

A = "cases/<int:pk>/agreements/"
urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{A}draft/", views.agreement_draft_view, name="agreement-draft"),
    path(f"{A}preview/", views.agreement_preview, name="agreement-preview"),
    path(f"{A}<int:agreement_pk>/send/", views.agreement_send_view, name="agreement-send"),
    path(f"{A}<int:agreement_pk>/void/", views.agreement_void_view, name="agreement-void"),
    path(f"{A}<int:agreement_pk>/parties/<int:party_pk>/code/", views.agreement_code_view, name="agreement-code"),
    path(f"{A}<int:agreement_pk>/parties/<int:party_pk>/sign/", views.agreement_sign_view, name="agreement-sign"),
    path(f"{A}<int:agreement_pk>/pdf/", views.agreement_pdf, name="agreement-pdf"),
    path(f"{A}<int:agreement_pk>/docx/", views.agreement_docx, name="agreement-docx"),
]
