from django.urls import URLPattern, URLResolver, path

from . import views

R = "cases/<int:pk>/repayment/"
urlpatterns: list[URLPattern | URLResolver] = [
    path("repayment/", views.repayment_worklist, name="repayment-worklist"),
    path("my/repayments/", views.my_repayments, name="my-repayments"),
    path(f"{R}payments/", views.payment_report_view, name="repayment-payment"),
    path(f"{R}suspend/", views.plan_suspend_view, name="repayment-suspend"),
    path(f"{R}enforcement/apply/", views.enforcement_apply_view, name="repayment-enforcement-apply"),
    path(f"{R}enforcement/accept/", views.enforcement_accept_view, name="repayment-enforcement-accept"),
    path(f"{R}enforcement/result/", views.enforcement_result_view, name="repayment-enforcement-result"),
    path(f"{R}enforcement/<int:application_pk>/pdf/", views.enforcement_pdf, name="repayment-enforcement-pdf"),
    path(f"{R}enforcement/<int:application_pk>/docx/", views.enforcement_docx, name="repayment-enforcement-docx"),
]
