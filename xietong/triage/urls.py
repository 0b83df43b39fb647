from django.urls import path

from . import views

urlpatterns = [
    path("worklists/", views.worklist, name="worklists"),
    path("worklists/assign/", views.worklist_assign, name="worklist-assign"),
    path("cases/<int:pk>/triage/override/", views.case_override, name="triage-override"),
]
