"""Every reader page says what it is in a meta description, in its own language (search
engines show it under the link; Lighthouse's SEO audit asks for one)."""

import lxml.html
import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import ExplainerFactory, TopicFactory

pytestmark = pytest.mark.django_db


def description(client, url):
    response = client.get(url)
    assert response.status_code == 200
    (meta,) = lxml.html.fromstring(response.content).xpath('//meta[@name="description"]')
    return meta.get("content")


@pytest.fixture
def pages():
    topic = TopicFactory(name="Energy", description="")
    explainer = ExplainerFactory(published=True, sources=1)
    explainer.topics.add(topic)
    source = explainer.sources.get()

    def urls(language):
        with translation.override(language):
            return {
                "home": reverse("explainers:home"),
                "topic": reverse("explainers:topic", kwargs={"slug": topic.slug}),
                "source": reverse("explainers:source", kwargs={"pk": source.pk}),
                "search": reverse("explainers:search") + "?q=energy",
                "search_empty": reverse("explainers:search"),
            }

    return urls, topic, source


@pytest.mark.parametrize("language", ["en", "ja"])
def test_list_and_search_pages_have_a_meta_description_in_their_language(client, pages, language):
    urls, topic, source = pages
    texts = {name: description(client, url) for name, url in urls(language).items()}
    assert all(len(text) > 20 for text in texts.values()), texts
    assert "Energy" in texts["topic"]
    assert source.title in texts["source"]
    japanese = language == "ja"
    for text in texts.values():
        has_kana = any("\u3040" <= ch <= "\u30ff" for ch in text)
        assert has_kana == japanese, text


def test_a_topic_with_a_description_uses_it(client):
    topic = TopicFactory(name="Rice", description="Why rice prices rose, and who pays. " * 10)
    text = description(client, reverse("explainers:topic", kwargs={"slug": topic.slug}))
    assert text.startswith("Why rice prices rose, and who pays.")
    assert len(text) <= 160
