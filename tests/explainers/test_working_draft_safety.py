"""A working draft's text is never lost or overwritten behind anyone's back: the live explainer
is not unpublished, archived or deleted under it, a stale form does not overwrite newer text,
and its workflow emails go to whoever submitted this draft (review fixes of issue 12)."""

import datetime

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from explainers.drafts import explainer_draft_start, explainer_publish_changes
from explainers.models import Explainer
from explainers.services import (
    explainer_archive,
    explainer_may_be_deleted,
    explainer_publish,
    explainer_submit_for_review,
    explainer_unpublish,
)
from tests.explainers.test_admin import change_url, form_data, messages_of, run_action
from tests.factories import ExplainerFactory

pytestmark = pytest.mark.django_db

DRAFT_OPEN = "Publish or discard its working draft first."
STALE_FORM = "Someone saved this draft since you opened it: reload to see their changes."


@pytest.fixture
def live():
    return ExplainerFactory(
        published=True, title="Where rates go", language="en", key_points=3, sections=1, sources=1
    )


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def delete_url(explainer):
    return f"/admin/explainers/explainer/{explainer.pk}/delete/"


# A: the live explainer stays live while a working draft is open ------------------------------


@pytest.mark.parametrize("service", [explainer_unpublish, explainer_archive])
def test_a_live_explainer_with_a_working_draft_is_not_taken_off_the_site(live, editor, service):
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.title = "Rates, and then"
    draft.save()
    with pytest.raises(ValidationError) as refused:
        service(explainer=live, actor=editor)
    assert DRAFT_OPEN in " ".join(refused.value.messages)
    live.refresh_from_db()
    assert live.status == Explainer.Status.PUBLISHED
    assert Explainer.objects.get(pk=draft.pk).title == "Rates, and then"


@pytest.mark.parametrize("action", ["unpublish", "archive"])
def test_the_admin_says_why_as_an_error_not_a_500(live, editor, action):
    explainer_draft_start(explainer=live, actor=editor)
    editor_client = client_of(editor)
    response = run_action(editor_client, action, live)
    assert response.status_code == 200
    errors = [text for level, text in messages_of(response) if level == "error"]
    assert any(DRAFT_OPEN in text for text in errors)
    data = form_data(editor_client.get(change_url(live)))
    response = editor_client.post(change_url(live), {**data, f"_{action}": "x"}, follow=True)
    assert response.status_code == 200
    assert any(level == "error" and DRAFT_OPEN in text for level, text in messages_of(response))
    live.refresh_from_db()
    assert live.status == Explainer.Status.PUBLISHED


@pytest.mark.parametrize("status", [Explainer.Status.ARCHIVED, Explainer.Status.DRAFT])
def test_changes_are_not_published_onto_an_explainer_readers_no_longer_see(live, editor, status):
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.title = "Rates, and then"
    draft.save()
    # As it stood before the services refused this (or any other door that took it off).
    Explainer.objects.filter(pk=live.pk).update(status=status)
    with pytest.raises(ValidationError):
        explainer_publish_changes(draft=draft, actor=editor)
    live.refresh_from_db()
    assert (live.title, live.status) == ("Where rates go", status)
    assert Explainer.objects.filter(pk=draft.pk).exists()


def test_an_explainer_with_a_working_draft_is_not_deleted(editor):
    later = timezone.now() + datetime.timedelta(days=2)
    scheduled = ExplainerFactory(
        published=True, publish_at=later, first_published_at=None, key_points=3, sources=1
    )
    draft = explainer_draft_start(explainer=scheduled, actor=editor)
    # Back to draft with its working draft open (as unpublishing left it before the fix).
    Explainer.objects.filter(pk=scheduled.pk).update(status=Explainer.Status.DRAFT)
    scheduled.refresh_from_db()
    assert not explainer_may_be_deleted(scheduled)
    editor_client = client_of(editor)
    assert editor_client.get(delete_url(scheduled)).status_code == 403
    assert editor_client.post(delete_url(scheduled), {"post": "yes"}).status_code == 403
    assert Explainer.objects.filter(pk=draft.pk).exists()


# B: a form opened before someone else's save does not overwrite it ---------------------------


def test_a_stale_draft_form_does_not_overwrite_newer_text(live, editor, contributor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    editor_client, contributor_client = client_of(editor), client_of(contributor)
    stale = form_data(editor_client.get(change_url(draft)))
    theirs = form_data(contributor_client.get(change_url(draft)))
    theirs["key_points-0-text"] = "The contributor's fix."
    assert contributor_client.post(change_url(draft), theirs).status_code == 302
    response = editor_client.post(
        change_url(draft), {**stale, "_publish_changes": "Publish changes"}
    )
    assert response.status_code == 200
    assert STALE_FORM in response.content.decode()
    live.refresh_from_db()
    assert live.title == "Where rates go"
    assert "The contributor's fix." not in live.key_points.values_list("text", flat=True)
    assert "The contributor's fix." in draft.key_points.values_list("text", flat=True)
    # Reloaded, the editor's form holds the contributor's text and publishes it.
    fresh = form_data(editor_client.get(change_url(draft)))
    response = editor_client.post(
        change_url(draft), {**fresh, "_publish_changes": "Publish changes"}, follow=True
    )
    assert ("success", "Changes published.") in messages_of(response)
    assert "The contributor's fix." in live.key_points.values_list("text", flat=True)


def test_a_draft_form_without_its_version_is_refused_not_a_500(live, editor):
    draft = explainer_draft_start(explainer=live, actor=editor)
    editor_client = client_of(editor)
    data = form_data(editor_client.get(change_url(draft)))
    for bad in ("", "yesterday", "2001-01-01T00:00:00+00:00"):
        response = editor_client.post(change_url(draft), {**data, "seen_version": bad})
        assert response.status_code == 200
        assert STALE_FORM in response.content.decode()


# C: workflow emails about a draft go to whoever submitted it --------------------------------


def test_an_editors_own_fix_emails_nobody(
    live, editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    # The contributor submitted the explainer itself, long ago.
    explainer = ExplainerFactory(byline=contributor, key_points=3, sources=1)
    explainer_submit_for_review(explainer=explainer, actor=contributor)
    explainer_publish(explainer=explainer, actor=editor)
    mailoutbox.clear()
    draft = explainer_draft_start(explainer=explainer, actor=editor)
    with django_capture_on_commit_callbacks(execute=True):
        explainer_publish_changes(draft=draft, actor=editor)
    assert mailoutbox == []


def test_a_submitted_draft_emails_its_submitter_only(
    live, editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    # The editor starts the draft; the contributor is who submits it.
    draft = explainer_draft_start(explainer=live, actor=editor)
    explainer_submit_for_review(explainer=draft, actor=contributor)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        explainer_publish_changes(draft=draft, actor=editor)
    assert [message.to for message in mailoutbox] == [[contributor.email]]


def test_scheduling_says_when_in_the_email_and_links_no_page_yet(
    editor, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    later = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    explainer = ExplainerFactory(
        title="Rates explained", byline=contributor, key_points=3, sources=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        explainer_publish(explainer=explainer, actor=editor, publish_at=later)
    (message,) = mailoutbox
    assert message.subject == "Scheduled: “Rates explained”"
    local = timezone.localtime(later)
    assert f"{local:%H:%M}" in message.body
    assert "scheduled" in message.body
    assert explainer.canonical_path() not in message.body


# F: the preview of a working draft is the live page with the draft's text ---------------------


def test_the_preview_of_a_working_draft_is_the_live_page_with_its_text(live, editor):
    from tests.factories import (
        AuthorProfileFactory,
        CommentFactory,
        CorrectionFactory,
        TopicFactory,
        UserFactory,
    )

    topic = TopicFactory()
    live.topics.add(topic)
    other = ExplainerFactory(published=True, title="Another on rates", key_points=1, sources=1)
    other.topics.add(topic)
    CorrectionFactory(explainer=live, note="We misstated the rate.")
    CommentFactory(explainer=live, body="A reader's thought on the live one.")
    Explainer.objects.filter(pk=live.pk).update(
        significant_update_at=timezone.now() - datetime.timedelta(hours=1)
    )
    live.refresh_from_db()
    draft = explainer_draft_start(explainer=live, actor=editor)
    draft.title = "Rates, and then"
    draft.save()
    # The byline is the live explainer's (whatever the draft row holds).
    hana = UserFactory(first_name="Hana", last_name="Sato", is_staff=True)
    AuthorProfileFactory(user=hana, name="Hana Sato")
    Explainer.objects.filter(pk=live.pk).update(byline=hana)
    Explainer.objects.filter(pk=draft.pk).update(byline=editor)
    live.refresh_from_db()
    before = Explainer.objects.filter(pk__in=[live.pk, draft.pk]).order_by("pk")
    before = list(before.values())
    response = client_of(editor).get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert "Preview of the working draft" in page
    assert "Rates, and then" in page
    assert "We misstated the rate." in page
    assert "A reader&#x27;s thought on the live one." in page
    assert f'href="{live.get_absolute_url()}"' not in page.split('id="related-heading"')[1]
    assert "Another on rates" in page
    doc = lxml.html.fromstring(response.content)
    (canonical,) = doc.xpath("//link[@rel='canonical']/@href")
    assert canonical.endswith(live.get_absolute_url())
    (json_ld,) = doc.xpath("//script[@type='application/ld+json']/text()")
    assert live.get_absolute_url() in json_ld and draft.slug not in json_ld
    times = doc.xpath("//p[@class='explainer-meta']//time/@datetime")
    assert times == [
        timezone.localtime(live.first_published).isoformat(),
        timezone.localtime(live.updated_at).isoformat(),
    ]
    assert "Hana Sato" in page
    # Nothing written: both rows are as they were.
    assert (
        list(Explainer.objects.filter(pk__in=[live.pk, draft.pk]).order_by("pk").values()) == before
    )


# E: a working draft is not counted as an explainer of its topics and sources ------------------


def test_topic_and_source_counts_leave_working_drafts_out(live, editor):
    from explainers.models import SourceArticle, Topic
    from tests.factories import TopicFactory

    topic = TopicFactory(name="Counted once")
    live.topics.add(topic)
    source = live.source_links.get().source
    explainer_draft_start(explainer=live, actor=editor)
    assert topic.explainers.count() == 2  # the live row and its draft
    editor_client = client_of(editor)
    for model, obj in ((Topic, topic), (SourceArticle, source)):
        response = editor_client.get(f"/admin/explainers/{model._meta.model_name}/")
        (row,) = [row for row in response.context["cl"].result_list if row.pk == obj.pk]
        assert row.explainer_count == 1
    draft = Explainer.objects.get(draft_of=live)
    page = editor_client.get(f"/admin/explainers/sourcearticle/{source.pk}/change/").content
    assert change_url(live).encode() in page and change_url(draft).encode() not in page


# D: saves of a working draft are in the live explainer's history ------------------------------


def test_saving_a_working_draft_is_logged_under_the_live_explainer(live, editor):
    from django.contrib.admin.models import LogEntry

    draft = explainer_draft_start(explainer=live, actor=editor)
    editor_client = client_of(editor)
    data = form_data(editor_client.get(change_url(draft)))
    data["summary"] = "A new summary."
    assert editor_client.post(change_url(draft), data).status_code == 302
    assert not LogEntry.objects.filter(object_id=str(draft.pk)).exists()
    edit = LogEntry.objects.filter(object_id=str(live.pk)).latest("pk")
    assert "Summary" in edit.get_change_message()
    history = editor_client.get(f"/admin/explainers/explainer/{live.pk}/history/")
    history = history.content.decode()
    assert "Summary" in history


# G: readers' pages, feeds and sitemap, freshly rendered, are unchanged until publication ------


def fresh_reader_view(explainer) -> str:
    """The page, the feed and the sitemap as a new anonymous reader is served them, rendered
    now: the shared page cache is emptied first, so no stored copy can hide a change."""
    from django.core.cache import caches
    from django.urls import reverse

    for alias in caches:
        caches[alias].clear()
    reader = Client()
    index = reader.get("/sitemap.xml").content.decode()
    sections = [loc.split("testserver", 1)[-1] for loc in re_locs(index)]
    assert sections
    parts = [
        reader.get(explainer.get_absolute_url()).content.decode(),
        reader.get(reverse("explainers:feed_rss")).content.decode(),
        *(reader.get(section).content.decode() for section in sections),
    ]
    return "\n".join(parts)


def re_locs(xml: str) -> list[str]:
    import re

    return re.findall(r"<loc>([^<]+)</loc>", xml)


def test_readers_fresh_pages_feed_and_sitemap_are_unchanged_until_publication(live, editor):
    point_texts = list(live.key_points.order_by("position").values_list("text", flat=True))
    before = fresh_reader_view(live)
    assert "Where rates go" in before and live.get_absolute_url() in before
    draft = explainer_draft_start(explainer=live, actor=editor)
    editor_client = client_of(editor)
    data = form_data(editor_client.get(change_url(draft)))
    data["title"] = "Rates, and then"
    data["key_points-0-text"] = "A point in the draft only."
    assert editor_client.post(change_url(draft), data).status_code == 302
    stored = Explainer.objects.get(pk=live.pk)
    assert stored.title == "Where rates go"
    assert list(stored.key_points.order_by("position").values_list("text", flat=True)) == (
        point_texts
    )
    assert fresh_reader_view(live) == before
    data = form_data(editor_client.get(change_url(draft)))
    response = editor_client.post(
        change_url(draft), {**data, "_publish_changes": "Publish changes"}, follow=True
    )
    assert ("success", "Changes published.") in messages_of(response)
    after = fresh_reader_view(live)
    assert "Rates, and then" in after and "A point in the draft only." in after
    assert draft.slug not in after
