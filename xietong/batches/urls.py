from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("batches/", views.batch_list_view, name="batch-list"),
    path("batches/new/", views.batch_upload_view, name="batch-upload"),
    path("batches/template.xlsx", views.batch_template, name="batch-template"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/errors.xlsx", views.batch_errors_xlsx, name="batch-errors"),
    path("batches/<int:pk>/mapping/", views.batch_mapping, name="batch-mapping"),
    path("batches/<int:pk>/import/", views.batch_import_view, name="batch-import"),
]
