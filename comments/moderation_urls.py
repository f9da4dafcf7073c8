"""The moderators' tool, mounted at /moderation/ (namespace "moderation").

Reading pages answer GET; every change is a POST-only URL (GET → 405). There is no delete
URL anywhere: moderation changes a comment's status and the log only grows.
"""

from django.urls import path, re_path

from . import moderation_views as views
from .moderation import TRANSITIONS
from .moderation_queries import TAB_NAMES

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    re_path(rf"^(?P<tab>{TAB_NAMES})/$", views.queue, name="tab"),
    path("log/", views.moderation_log, name="log"),
    path("bulk/", views.comments_bulk, name="bulk"),
    path("explainers/<int:pk>/", views.explainer_thread, name="thread"),
    path("explainers/<int:pk>/mode/", views.explainer_comment_mode, name="mode"),
    path("users/<int:pk>/", views.commenter_history, name="commenter"),
    path("users/<int:pk>/trust/", views.reader_trust, name="trust"),
    path("users/<int:pk>/suspend/", views.reader_suspend, name="suspend"),
    path("suspensions/<int:pk>/lift/", views.suspension_lift, name="lift"),
    path("comments/<int:pk>/author/", views.comment_author_history, name="author"),
    path(
        "comments/<int:pk>/feature/",
        views.comment_feature,
        {"featured": True},
        name="feature",
    ),
    path(
        "comments/<int:pk>/unfeature/",
        views.comment_feature,
        {"featured": False},
        name="unfeature",
    ),
    *(
        path(
            f"comments/<int:pk>/{action.value}/",
            views.comment_moderate,
            {"action": action.value},
            name=action.value,
        )
        for action in TRANSITIONS
    ),
]
