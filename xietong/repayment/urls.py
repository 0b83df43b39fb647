from django.urls import URLPattern, URLResolver, path

from . import views, views_declarations, views_files, views_revisions

R = "cases/<int:pk>/repayment/"
D = f"{R}declarations/<int:declaration_pk>/"
V = f"{R}revisions/<int:revision_pk>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path("repayment/", views.repayment_worklist, name="repayment-worklist"),
    path("my/repayments/", views.my_repayments, name="my-repayments"),
    path("repayment/files/", views_files.payment_files_view, name="repayment-files"),
    path("repayment/files/template.xlsx", views_files.payment_file_template, name="repayment-file-template"),
    path("repayment/files/<int:pk>/", views_files.payment_file_view, name="repayment-file"),
    path("repayment/files/<int:pk>/errors.xlsx", views_files.payment_file_errors, name="repayment-file-errors"),
    path("repayment/files/<int:pk>/record/", views_files.payment_file_apply_view, name="repayment-file-apply"),
    path(f"{R}payments/", views.payment_report_view, name="repayment-payment"),
    path(f"{R}suspend/", views.plan_suspend_view, name="repayment-suspend"),
    path(f"{R}waive/", views.instalment_waive_view, name="repayment-waive"),
    path(f"{R}acknowledgements/", views.acknowledgement_view, name="repayment-acknowledgement"),
    path(f"{R}time-requests/", views_revisions.time_request_view, name="repayment-time-request"),
    path(
        f"{R}time-requests/<int:request_pk>/decline/",
        views_revisions.time_request_decline_view,
        name="repayment-time-request-decline",
    ),
    path(f"{R}revisions/", views_revisions.revision_draft_view, name="repayment-revision-draft"),
    path(f"{V}code/", views_revisions.revision_code_view, name="repayment-revision-code"),
    path(f"{V}sign/", views_revisions.revision_sign_view, name="repayment-revision-sign"),
    path(f"{V}void/", views_revisions.revision_void_view, name="repayment-revision-void"),
    path(f"{R}declarations/", views_declarations.payment_declare_view, name="repayment-declare"),
    path(f"{D}confirm/", views_declarations.declaration_confirm_view, name="repayment-declaration-confirm"),
    path(f"{D}dispute/", views_declarations.declaration_dispute_view, name="repayment-declaration-dispute"),
    path(f"{D}settle/", views_declarations.declaration_settle_view, name="repayment-declaration-settle"),
    path(f"{D}voucher/", views_declarations.declaration_voucher, name="repayment-declaration-voucher"),
    path(f"{R}enforcement/apply/", views.enforcement_apply_view, name="repayment-enforcement-apply"),
    path(f"{R}confirmation/", views.confirmation_request_view, name="repayment-confirmation-request"),
    path(f"{R}enforcement/accept/", views.enforcement_accept_view, name="repayment-enforcement-accept"),
    path(f"{R}enforcement/result/", views.enforcement_result_view, name="repayment-enforcement-result"),
    path(f"{R}enforcement/<int:application_pk>/pdf/", views.enforcement_pdf, name="repayment-enforcement-pdf"),
    path(f"{R}enforcement/<int:application_pk>/docx/", views.enforcement_docx, name="repayment-enforcement-docx"),
]
