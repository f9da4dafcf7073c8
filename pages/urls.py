from django.urls import path

from . import feeds, views

app_name = "explainers"

urlpatterns = [
    path("", views.ExplainerListView.as_view(), name="home"),
    path("explainers/<slug:slug>/", views.ExplainerDetailView.as_view(), name="detail"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("language/<str:code>/", views.set_language, name="set_language"),
    path("feeds/rss/", feeds.LatestExplainersFeed(), name="feed_rss"),
    path("feeds/atom/", feeds.LatestExplainersAtomFeed(), name="feed_atom"),
    path("feeds/corrections/", feeds.CorrectionsFeed(), name="feed_corrections"),
    path("feeds/corrections/atom/", feeds.CorrectionsAtomFeed(), name="feed_corrections_atom"),
    path("feeds/topics/<slug:slug>/rss/", feeds.TopicExplainersFeed(), name="topic_feed_rss"),
    path("feeds/topics/<slug:slug>/atom/", feeds.TopicExplainersAtomFeed(), name="topic_feed_atom"),
]
