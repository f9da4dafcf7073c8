"""The editors' desk in a real browser (Chromium, CSP enforced): a contributor proposes a change
to a live explainer in its working draft, an editor sends it back with a note, compares the
two submissions and publishes; readers see nothing until then, and the change at once after."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from explainers.models import Explainer, KeyPoint
from tests.factories import PASSWORD, ExplainerFactory, ExplainerSourceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD_POINT = "日銀は金利を据え置いた。"
FIRST_TRY = "日銀は金利を0.5%に引き上げた。"
SECOND_TRY = "日銀は政策金利を0.5%に引き上げた。"


def signed_in(browser, live_server, user):
    """A browser tab of its own, signed in to the admin as `user`, recording console errors."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.console_errors = []
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda exc: tab.console_errors.append(str(exc)))
    tab.goto("/admin/login/?next=/admin/")
    tab.fill("#id_username", user.username)
    tab.fill("#id_password", PASSWORD)
    tab.click("input[type=submit]")
    tab.wait_for_load_state()
    return tab


def clean(tab):
    assert tab.console_errors == [], tab.url


def reader_view(reader, explainer):
    """What an anonymous reader is served: the page, the feed and the page's JSON-LD."""
    page = reader.get(explainer.get_absolute_url())
    feed = reader.get(reverse("explainers:feed_rss"))
    assert page.ok and feed.ok
    html = page.text()
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return html, feed.text(), json_ld.group(1) if json_ld else None


def change(tab, explainer):
    tab.goto(reverse("admin:explainers_explainer_change", args=[explainer.pk]))


def test_contributor_proposes_editor_requests_changes_compares_and_publishes(
    browser, live_server, editor, contributor
):
    live = ExplainerFactory(
        published=True, title="日銀の決定を読み解く", language="ja", key_points=0, sections=1
    )
    ExplainerSourceFactory(explainer=live, position=1, refresh=False)
    for position, words in enumerate([OLD_POINT, "物価は上昇が続く。", "円相場への影響"], 1):
        KeyPoint.objects.create(explainer=live, text=words, position=position)
    live.refresh_derived()
    reader_context = browser.new_context(base_url=live_server.url)
    reader = reader_context.request
    before = reader_view(reader, live)
    assert OLD_POINT in before[0]
    assert before[2] is not None and live.title in before[2]  # the JSON-LD block
    assert live.title in before[1]  # the feed

    # The contributor starts the working draft of the live explainer and submits a change.
    writer = signed_in(browser, live_server, contributor)
    change(writer, live)
    expect(writer.locator(".kaisetsu-banner-live")).to_contain_text("Live.")
    writer.get_by_role("button", name="Edit in a working draft").click()
    writer.wait_for_load_state()
    expect(writer.locator(".kaisetsu-banner-draft")).to_contain_text("Working draft")
    writer.fill("#id_key_points-0-text", FIRST_TRY)
    writer.click("input[name=_submit_for_review]")
    writer.wait_for_load_state()
    expect(writer.locator(".messagelist .success")).to_have_text(["Submitted for review."])
    clean(writer)
    draft = Explainer.objects.get(draft_of=live)
    assert draft.status == Explainer.Status.REVIEW

    # Readers are served exactly what they were: page, feed and JSON-LD (those may be cached
    # copies, so the stored live explainer is checked too).
    assert reader_view(reader, live) == before
    stored = Explainer.objects.get(pk=live.pk)
    assert stored.title == live.title
    assert list(stored.key_points.values_list("text", flat=True))[0] == OLD_POINT

    # The editor sees the live explainer "with unpublished changes" and sends them back.
    desk = signed_in(browser, live_server, editor)
    desk.goto(reverse("admin:explainers_explainer_changelist"))
    expect(desk.locator("#result_list")).to_contain_text("with unpublished changes in review")
    change(desk, live)
    desk.get_by_role("link", name="Open the working draft").click()
    desk.wait_for_load_state()
    desk.fill("#id_change_request_note", "「政策金利」と正確に書いてください。")
    desk.click("input[name=_request_changes]")
    desk.wait_for_load_state()
    expect(desk.locator(".messagelist .success")).to_have_text(["Changes requested."])
    clean(desk)

    # The contributor reads the note, edits and submits again.
    writer.goto(reverse("admin:explainers_explainer_changelist"))
    expect(writer.locator("#result_list")).to_contain_text("「政策金利」と正確に書いてください。")
    change(writer, draft)
    expect(writer.locator(".kaisetsu-banner-note")).to_contain_text("政策金利")
    writer.fill("#id_key_points-0-text", SECOND_TRY)
    writer.click("input[name=_submit_for_review]")
    writer.wait_for_load_state()
    expect(writer.locator(".messagelist .success")).to_have_text(["Submitted for review."])
    clean(writer)
    assert reader_view(reader, live) == before

    # The editor compares the two submissions: the diff marks the changed words.
    desk.goto(reverse("admin:explainers_explainer_revisions", args=[live.pk]))
    submitted = desk.locator("#revision-list tbody tr", has_text="Submitted for review")
    expect(submitted).to_have_count(2)
    submitted.nth(0).locator("input[name=b]").check()
    submitted.nth(1).locator("input[name=a]").check()
    desk.get_by_role("button", name="Compare the ticked revisions").click()
    desk.wait_for_load_state()
    point = desk.locator("#compare-key-points tbody tr.diff-changed")
    expect(point).to_have_count(1)
    expect(point.locator("ins")).to_have_text(["[added: 政策]"])
    expect(point.locator("td").nth(0)).to_contain_text(FIRST_TRY)
    clean(desk)

    # Published: the reader's next request shows the change.
    change(desk, draft)
    desk.click("input[name=_publish_changes]")
    desk.wait_for_load_state()
    expect(desk.locator(".messagelist .success")).to_have_text(["Changes published."])
    clean(desk)
    html, feed, json_ld = reader_view(reader, live)
    assert SECOND_TRY in html
    assert OLD_POINT not in html
    assert not Explainer.objects.filter(pk=draft.pk).exists()

    reader_context.close()
    writer.context.close()
    desk.context.close()


def test_restoring_an_old_revision_makes_a_draft_not_a_live_change(browser, live_server, editor):
    live = ExplainerFactory(published=True, title="Old words", key_points=3, sources=1)
    desk = signed_in(browser, live_server, editor)
    change(desk, live)
    desk.get_by_role("button", name="Edit in a working draft").click()
    desk.wait_for_load_state()
    desk.fill("#id_title", "New words")
    desk.click("input[name=_publish_changes]")
    desk.wait_for_load_state()
    expect(desk.locator(".messagelist .success")).to_have_text(["Changes published."])

    desk.goto(reverse("admin:explainers_explainer_revisions", args=[live.pk]))
    oldest = desk.locator("#revision-list tbody tr").last
    oldest.get_by_role("button", name="Restore as the working draft").click()
    desk.wait_for_load_state()
    expect(desk.locator(".messagelist .success")).to_contain_text("is now the working draft")
    expect(desk.locator("#id_title")).to_have_value("Old words")
    clean(desk)
    live.refresh_from_db()
    assert live.title == "New words"
    reader = browser.new_context(base_url=live_server.url)
    assert "New words" in reader.request.get(live.get_absolute_url()).text()
    reader.close()
    desk.context.close()
