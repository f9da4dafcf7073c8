from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("<slug:slug>/post/", views.comment_post, name="post"),
    path("<slug:slug>/reply/<int:comment_id>/", views.comment_post, name="reply"),
    path("<int:pk>/report/", views.comment_report, name="report"),
    path(
        "replies/confirm/<str:token>/",
        views.guest_replies,
        {"action": "confirm"},
        name="guest_confirm",
    ),
    path("replies/stop/<str:token>/", views.guest_replies, {"action": "stop"}, name="guest_stop"),
]
