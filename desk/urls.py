from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("<slug:slug>/suggest/", views.correction_request_post, name="suggest"),
    path("<slug:slug>/suggest/thanks/", views.correction_request_thanks, name="suggest_thanks"),
    path("confirm/<str:token>/", views.correction_request_confirm, name="confirm"),
]
