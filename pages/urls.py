"""Reader pages, under a language prefix (config/urls.py). Every page readers browse is a
shared page (core/page_cache.py): `params` are the query parameters it reads; `bypass` the
ones that make it private (the notices after posting or reporting a comment). Search is not
shared: its query strings are endless and each is rarely asked twice."""

from django.urls import path

from comments.threads import SORTS
from core.page_cache import shared_page

from . import feeds, views

app_name = "explainers"

# A list's page that does not exist is a 404, never stored. The explainer page shows its
# default for a value it does not take: such a value is dropped before the view runs, so
# made-up values cannot fill the cache with copies of one page.
LIST = {"params": ("page",)}
THREAD = {"cpage": str.isdigit, "csort": SORTS, "cview": ("featured",)}
NOTICES = ("posted", "reported")

urlpatterns = [
    path("", shared_page(views.ExplainerListView.as_view(), **LIST), name="home"),
    path(
        "explainers/<slug:slug>/",
        shared_page(views.ExplainerDetailView.as_view(), params=THREAD, bypass=NOTICES),
        name="detail",
    ),
    path("topics/<slug:slug>/", shared_page(views.TopicDetailView.as_view(), **LIST), name="topic"),
    path("sources/<int:pk>/", shared_page(views.SourceDetailView.as_view(), **LIST), name="source"),
    path(
        "authors/<slug:slug>/",
        shared_page(views.AuthorDetailView.as_view(), **LIST),
        name="author",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("language/<str:code>/", views.set_language, name="set_language"),
    path(
        "feeds/rss/",
        shared_page(feeds.LatestExplainersFeed(), depends=feeds.depends),
        name="feed_rss",
    ),
    path(
        "feeds/atom/",
        shared_page(feeds.LatestExplainersAtomFeed(), depends=feeds.depends),
        name="feed_atom",
    ),
    path(
        "feeds/corrections/",
        shared_page(feeds.CorrectionsFeed(), depends=feeds.depends),
        name="feed_corrections",
    ),
    path(
        "feeds/corrections/atom/",
        shared_page(feeds.CorrectionsAtomFeed(), depends=feeds.depends),
        name="feed_corrections_atom",
    ),
    path(
        "feeds/topics/<slug:slug>/rss/",
        shared_page(feeds.TopicExplainersFeed(), depends=feeds.depends),
        name="topic_feed_rss",
    ),
    path(
        "feeds/topics/<slug:slug>/atom/",
        shared_page(feeds.TopicExplainersAtomFeed(), depends=feeds.depends),
        name="topic_feed_atom",
    ),
]
