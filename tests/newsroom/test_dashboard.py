"""The newsroom dashboard on the admin's front page: panels by role, their links to the
filtered lists, times in the site's time zone, Japanese, and a bounded number of queries."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from desk.models import CorrectionRequest
from explainers.drafts import explainer_draft_start
from explainers.models import Explainer, Revision
from explainers.services import explainer_submit_for_review
from tests.factories import (
    CommentFactory,
    CorrectionFactory,
    ExplainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INDEX = "/admin/"
ALL_PANELS = [
    "my-drafts",
    "awaiting-review",
    "scheduled",
    "unpublished-changes",
    "recently-published",
    "comments-waiting",
    "correction-requests",
    "recent-corrections",
]


def panel_ids(response) -> list[str]:
    return re.findall(r'<section class="newsroom-panel" id="([a-z-]+)"', response.content.decode())


def panel(response, key):
    """The dashboard's panel `key`, as the view built it."""
    [found] = [p for p in response.context["dashboard_panels"] if p.key == key]
    return found


def first_cells(found) -> list[str]:
    return [row[0].text for row in found.rows]


def submitted(explainer, actor, *, hours_ago):
    """Submit for review through the service, then date the submission `hours_ago`."""
    explainer_submit_for_review(explainer=explainer, actor=actor)
    moment = timezone.now() - datetime.timedelta(hours=hours_ago)
    story = explainer.draft_of_id or explainer.pk
    Revision.objects.filter(explainer_id=story, event=Revision.Event.SUBMITTED).update(
        created_at=moment
    )
    return moment


def listed(client, url) -> list[str]:
    """The titles in an admin change list (its result rows)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return [str(obj) for obj in response.context["cl"].result_list]


# --- Who sees what ----------------------------------------------------------------------


def test_an_editor_sees_every_panel_in_order(client, editor):
    client.force_login(editor)
    assert panel_ids(client.get(INDEX)) == ALL_PANELS


def test_a_contributor_sees_only_their_drafts_and_their_submissions(client, contributor):
    client.force_login(contributor)
    assert panel_ids(client.get(INDEX)) == ["my-drafts", "awaiting-review"]


def test_a_moderator_sees_the_comments_panel(client, moderator):
    client.force_login(moderator)
    assert panel_ids(client.get(INDEX)) == ["comments-waiting"]


def test_a_staff_member_without_a_role_sees_no_panel_but_the_page_works(client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert panel_ids(response) == []


def test_the_list_of_every_model_stays_below_the_panels(client, editor):
    client.force_login(editor)
    html = client.get(INDEX).content.decode()
    assert '<a href="#all-models">All models</a>' in html
    assert html.index('id="all-models"') > html.index('id="recent-corrections"')
    assert f'href="{reverse("admin:explainers_topic_changelist")}"' in html
    assert "<h1>Newsroom dashboard</h1>" in html


def test_panels_are_headed_sections_with_captioned_tables_and_counts_in_words(client, editor):
    ExplainerFactory(title="Scheduled story", status="published", publish_at=future(days=2))
    client.force_login(editor)
    html = client.get(INDEX).content.decode()
    section = '<section class="newsroom-panel" id="scheduled" aria-labelledby="scheduled-title">'
    assert section in html
    assert '<h2 id="scheduled-title">Scheduled</h2>' in html
    assert "<caption>Scheduled explainers, the soonest first</caption>" in html
    assert "1 explainer is scheduled." in html
    assert '<th scope="col">Publishes at</th>' in html
    assert "Nothing is awaiting review." in html  # an empty panel says so, with no table


# --- My drafts --------------------------------------------------------------------------


def test_my_drafts_are_mine_and_not_submitted_including_working_drafts(client, contributor):
    ExplainerFactory(title="My draft", byline=contributor)
    ExplainerFactory(title="Someone else's draft", byline=UserFactory(is_staff=True))
    ExplainerFactory(title="Mine in review", byline=contributor, status="review")
    live = ExplainerFactory(title="Mine and live", byline=contributor, published=True)
    draft = explainer_draft_start(explainer=live, actor=None)
    client.force_login(contributor)
    found = panel(client.get(INDEX), "my-drafts")
    assert sorted(first_cells(found)) == ["Mine and live", "My draft"]
    by_title = {row[0].text: row for row in found.rows}
    # A working draft is edited on its own page.
    assert by_title["Mine and live"][0].url == reverse(
        "admin:explainers_explainer_change", args=[draft.pk]
    )
    assert found.summary == ["You have 2 drafts not yet submitted."]
    assert sorted(listed(client, found.links[0][1])) == ["Mine and live", "My draft"]


# --- Awaiting review --------------------------------------------------------------------


def test_awaiting_review_is_oldest_first_with_who_submitted_and_for_how_long(
    client, editor, contributor
):
    contributor.first_name, contributor.last_name = "Hana", "Sato"
    contributor.save()
    newer = ExplainerFactory(title="Newer submission")
    older = ExplainerFactory(title="Older submission")
    live = ExplainerFactory(title="Live story", published=True, key_points=1, sources=1)
    draft = explainer_draft_start(explainer=live, actor=None)
    submitted(newer, contributor, hours_ago=2)
    submitted(older, editor, hours_ago=26)
    submitted(draft, contributor, hours_ago=5)
    client.force_login(editor)
    response = client.get(INDEX)
    found = panel(response, "awaiting-review")
    assert first_cells(found) == ["Older submission", "Live story", "Newer submission"]
    older_row, live_row, newer_row = found.rows
    assert older_row[2].text == "editor"
    assert newer_row[2].text == "Hana Sato"
    assert older_row[4].text == "1\xa0day, 2\xa0hours"
    assert newer_row[4].text == "2\xa0hours"
    assert live_row[1].text == "Unpublished changes"
    assert live_row[0].url == reverse("admin:explainers_explainer_change", args=[draft.pk])
    assert found.summary == ["3 explainers are awaiting review."]
    assert sorted(listed(client, found.links[0][1])) == [
        "Live story",
        "Newer submission",
        "Older submission",
    ]


def test_a_contributor_sees_only_what_they_submitted(client, editor, contributor):
    mine = ExplainerFactory(title="Mine")
    theirs = ExplainerFactory(title="Theirs")
    submitted(mine, contributor, hours_ago=1)
    submitted(theirs, editor, hours_ago=3)
    client.force_login(contributor)
    found = panel(client.get(INDEX), "awaiting-review")
    assert first_cells(found) == ["Mine"]
    assert found.summary == ["1 explainer you submitted is awaiting review."]
    url = found.links[0][1]
    assert parse_qs(urlsplit(url).query) == {"worklist": ["submitted"]}
    assert listed(client, url) == ["Mine"]


# --- Scheduled, in the site's time zone -------------------------------------------------


def future(**delta):
    return timezone.now() + datetime.timedelta(**delta)


def test_scheduled_times_are_in_the_site_time_zone_soonest_first(client, editor):
    at = datetime.datetime(2030, 1, 2, 0, 0, tzinfo=datetime.UTC)  # 09:00 in Tokyo
    ExplainerFactory(title="Later", status="published", publish_at=at + datetime.timedelta(days=1))
    ExplainerFactory(title="Sooner", status="published", publish_at=at)
    ExplainerFactory(title="Already out", published=True)
    assert settings.TIME_ZONE == "Asia/Tokyo"
    client.force_login(editor)
    response = client.get(INDEX)
    found = panel(response, "scheduled")
    assert first_cells(found) == ["Sooner", "Later"]
    assert found.rows[0][1].text == "Jan. 2, 2030, 9 a.m."
    assert '<time datetime="2030-01-02T09:00:00+09:00">Jan. 2, 2030, 9 a.m.</time>' in (
        response.content.decode()
    )
    assert sorted(listed(client, found.links[0][1])) == ["Later", "Sooner"]


def test_scheduled_times_follow_the_configured_time_zone(client, editor, settings):
    settings.TIME_ZONE = "Europe/London"
    ExplainerFactory(
        title="Sooner",
        status="published",
        publish_at=datetime.datetime(2030, 7, 2, 0, 0, tzinfo=datetime.UTC),
    )
    client.force_login(editor)
    found = panel(client.get(INDEX), "scheduled")
    assert found.rows[0][1].text == "July 2, 2030, 1 a.m."  # British Summer Time


# --- Live with unpublished changes, recently published ----------------------------------


def test_live_with_unpublished_changes_links_to_the_drafts_and_the_filtered_list(client, editor):
    live = ExplainerFactory(title="Changed live story", published=True)
    ExplainerFactory(title="Untouched live story", published=True)
    draft = explainer_draft_start(explainer=live, actor=editor)
    client.force_login(editor)
    found = panel(client.get(INDEX), "unpublished-changes")
    assert first_cells(found) == ["Changed live story"]
    assert found.rows[0][0].url == reverse("admin:explainers_explainer_change", args=[draft.pk])
    assert found.rows[0][1].text == "Draft"
    assert listed(client, found.links[0][1]) == ["Changed live story"]


def test_recently_published_is_the_last_seven_days_newest_first(client, editor):
    ExplainerFactory(title="Yesterday", published=True, publish_at=future(days=-1))
    ExplainerFactory(title="An hour ago", published=True)
    ExplainerFactory(title="Last month", published=True, publish_at=future(days=-30))
    ExplainerFactory(title="Tomorrow", status="published", publish_at=future(days=1))
    client.force_login(editor)
    found = panel(client.get(INDEX), "recently-published")
    assert first_cells(found) == ["An hour ago", "Yesterday"]
    assert found.summary == ["2 explainers published in the last 7 days."]
    assert sorted(listed(client, found.links[0][1])) == ["An hour ago", "Yesterday"]


# --- Comments waiting -------------------------------------------------------------------


def test_comments_waiting_shows_each_explainers_count_and_oldest_wait(client, moderator):
    busy = ExplainerFactory(title="Busy thread", published=True)
    quiet = ExplainerFactory(title="Quiet thread", published=True)
    for hours in (1, 3):
        comment = CommentFactory(explainer=busy, status="pending")
        comment.created_at = timezone.now() - datetime.timedelta(hours=hours)
        comment.save(update_fields=["created_at"])
    CommentFactory(explainer=quiet, status="pending")
    CommentFactory(explainer=quiet, status="approved")
    client.force_login(moderator)
    found = panel(client.get(INDEX), "comments-waiting")
    assert found.summary[:2] == [
        "3 comments are waiting for a moderator.",
        "They are on 2 explainers.",
    ]
    assert found.summary[2] == "The oldest has waited 3\xa0hours."
    assert [[cell.text for cell in row] for row in found.rows][0] == [
        "Busy thread",
        "2 comments",
        "3\xa0hours",
    ]
    response = client.get(found.rows[0][0].url)
    assert response.status_code == 200
    assert {c.explainer_id for c in response.context["cl"].result_list} == {busy.pk}
    assert len(response.context["cl"].result_list) == 2
    assert dict(found.links)["Moderation queue"] == reverse("moderation:queue")
    assert len(listed(client, found.links[0][1])) == 3


# --- Correction requests ----------------------------------------------------------------


def request(explainer, text, *, hours_ago, **fields):
    found = CorrectionRequest.objects.create(explainer=explainer, text=text, **fields)
    moment = timezone.now() - datetime.timedelta(hours=hours_ago)
    CorrectionRequest.objects.filter(pk=found.pk).update(created_at=moment)
    return found


def test_open_correction_requests_are_oldest_first_without_spam_or_decided(client, editor):
    story = ExplainerFactory(title="Reported story", published=True)
    newer = request(story, "The second figure is wrong.", hours_ago=1)
    older = request(story, "The date in the first section is wrong.", hours_ago=50)
    request(story, "Buy cheap watches", hours_ago=80, is_spam=True)
    request(story, "Already handled", hours_ago=90, status="duplicate", duplicate_of=older)
    client.force_login(editor)
    found = panel(client.get(INDEX), "correction-requests")
    assert [row[1].text for row in found.rows] == [older.text, newer.text]
    assert found.rows[0][0].url == reverse("admin:desk_correctionrequest_change", args=[older.pk])
    assert found.rows[0][3].text == "2\xa0days, 2\xa0hours"
    assert found.summary == [
        "2 correction requests are open.",
        "The oldest has waited 2\xa0days, 2\xa0hours.",
    ]
    response = client.get(found.links[0][1])
    assert {r.pk for r in response.context["cl"].result_list} == {older.pk, newer.pk}


def test_correction_requests_are_for_those_who_work_them(client, contributor, moderator):
    request(ExplainerFactory(published=True), "Wrong name.", hours_ago=1)
    for user in (contributor, moderator):
        client.force_login(user)
        assert "correction-requests" not in panel_ids(client.get(INDEX))


# --- Recent corrections -----------------------------------------------------------------


def test_recent_corrections_link_to_the_past_seven_days_of_the_corrections_list(client, editor):
    story = ExplainerFactory(title="Corrected story", published=True)
    CorrectionFactory(explainer=story, note="The date was wrong.")
    CorrectionFactory(
        explainer=story, note="An old one.", created_at=future(days=-30), significant=False
    )
    client.force_login(editor)
    found = panel(client.get(INDEX), "recent-corrections")
    assert [[cell.text for cell in row][:3] for row in found.rows] == [
        ["Corrected story", "Correction", "The date was wrong."]
    ]
    response = client.get(found.links[0][1])
    assert [c.note for c in response.context["cl"].result_list] == ["The date was wrong."]
    # The admin's date filter shows its own "Past 7 days" as the one chosen.
    assert re.search(
        r'<li class="selected">\s*<a href="[^"]*"[^>]*>Past 7 days</a>', response.content.decode()
    )


# --- Japanese ----------------------------------------------------------------------------


def test_the_dashboard_speaks_japanese(client, editor):
    ExplainerFactory(
        title="予約した解説",
        status="published",
        publish_at=datetime.datetime(2030, 1, 2, 0, 0, tzinfo=datetime.UTC),
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    client.force_login(editor)
    response = client.get(INDEX)
    html = response.content.decode()
    assert '<html lang="ja"' in html
    assert "<h1>編集部ダッシュボード</h1>" in html
    assert '<h2 id="my-drafts-title">自分の下書き</h2>' in html
    assert '<h2 id="awaiting-review-title">レビュー待ち</h2>' in html
    assert "公開予約の解説記事は 1 本です。" in html
    assert "2030年1月2日9:00" in html
    assert '<a href="#all-models">すべてのモデル</a>' in html


# --- Cost --------------------------------------------------------------------------------


def many_explainers(n, *, byline, reviewer):
    """`n` explainers in every state, cheaply (bulk_create), with some of everything the
    panels show: working drafts, submissions, pending comments, corrections."""
    now = timezone.now()
    states = [
        {"status": Explainer.Status.DRAFT},
        {"status": Explainer.Status.REVIEW},
        {"status": Explainer.Status.PUBLISHED, "publish_at": now + datetime.timedelta(days=2)},
        {"status": Explainer.Status.PUBLISHED, "publish_at": now - datetime.timedelta(hours=3)},
    ]
    start = Explainer.objects.count()
    rows = Explainer.objects.bulk_create(
        [
            Explainer(
                title=f"Bulk explainer {start + i}",
                slug=f"bulk-explainer-{start + i}",
                introduction="Why it matters.",
                summary="What to remember.",
                language="en",
                byline=byline,
                **states[i % len(states)],
            )
            for i in range(n)
        ],
        batch_size=500,
    )
    live = [row for row in rows if row.status == Explainer.Status.PUBLISHED][:6]
    Explainer.objects.bulk_create(
        [
            Explainer(
                title=f"Changes to {row.title}",
                slug=f"draft-{row.pk}-bulk",
                introduction="Why it matters.",
                summary="What to remember.",
                byline=byline,
                draft_of=row,
                status=Explainer.Status.REVIEW if i % 2 else Explainer.Status.DRAFT,
            )
            for i, row in enumerate(live)
        ]
    )
    in_review = [row for row in rows if row.status == Explainer.Status.REVIEW][:6]
    Revision.objects.bulk_create(
        [
            Revision(explainer=row, event=Revision.Event.SUBMITTED, actor=reviewer, snapshot={})
            for row in in_review
        ]
    )
    for row in live:
        CommentFactory(explainer=row, status="pending")
        CorrectionFactory(explainer=row)
        CorrectionRequest.objects.create(explainer=row, text="Something is wrong here.")


def test_the_dashboard_runs_as_many_queries_at_ten_and_ten_thousand_explainers(
    client, editor, contributor, count_queries
):
    client.force_login(editor)
    many_explainers(10, byline=editor, reviewer=contributor)
    small = count_queries(client, INDEX)
    for key in ALL_PANELS:
        assert panel(count_queries.response, key).rows, key  # every panel has rows to show
    many_explainers(9_990, byline=editor, reviewer=contributor)
    assert Explainer.objects.filter(draft_of__isnull=True).count() == 10_000
    large = count_queries(client, INDEX)
    scheduled = Explainer.objects.filter(status="published", publish_at__gt=timezone.now())
    assert scheduled.count() > 2000
    assert panel(count_queries.response, "scheduled").summary == [
        f"{scheduled.count()} explainers are scheduled."
    ]
    assert large == small
