from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("learn/", views.learn, name="learn"),
    path("learn/station/<int:pk>/", views.learn_station, name="learn-station"),
    path("learn/<int:pk>/", views.learn_article, name="learn-article"),
    path("learn/new/", views.learn_new, name="learn-new"),
    path("learn/mine/", views.learn_mine, name="learn-mine"),
    path("learn/<int:pk>/edit/", views.learn_edit, name="learn-edit"),
    path("learn/<int:pk>/publish/", views.learn_publish, name="learn-publish"),
    path("learn/<int:pk>/withdraw/", views.learn_withdraw, name="learn-withdraw"),
]
