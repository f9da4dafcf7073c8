from django.urls import path

from . import views

app_name = "explainers"

urlpatterns = [
    path("", views.ExplainerListView.as_view(), name="home"),
    path("explainers/<slug:slug>/", views.ExplainerDetailView.as_view(), name="detail"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("language/<str:code>/", views.set_language, name="set_language"),
]
