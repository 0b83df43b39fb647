from django.urls import URLPattern, URLResolver, path

from . import views, views_followup

urlpatterns: list[URLPattern | URLResolver] = [
    path("batches/", views.batch_list_view, name="batch-list"),
    path("batches/new/", views.batch_upload_view, name="batch-upload"),
    path("batches/template.xlsx", views.batch_template, name="batch-template"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/errors.xlsx", views.batch_errors_xlsx, name="batch-errors"),
    path("batches/<int:pk>/mapping/", views.batch_mapping, name="batch-mapping"),
    path("batches/<int:pk>/import/", views.batch_import_view, name="batch-import"),
    path("batches/<int:pk>/followup/", views_followup.batch_followup_view, name="batch-followup"),
    path("batches/<int:pk>/followup.xlsx", views_followup.batch_followup_xlsx, name="batch-followup-xlsx"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch-progress"),
]
