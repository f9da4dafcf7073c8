"""A reader's own pages, mounted at /accounts/ beside allauth's (namespace "reader")."""

from django.urls import path

from . import views

app_name = "reader"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("export/", views.data_export, name="export"),
    path("delete/", views.account_delete, name="delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
