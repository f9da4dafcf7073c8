"""An editor's path through the admin in a real browser (Chromium, CSP enforced, JS on)."""

import re

import pytest
from playwright.sync_api import expect

from explainers.models import Explainer
from tests.factories import SourceArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_clean(page):
    assert page.console_errors == [], page.url


def drag(page, source, target):
    """Drag with real mouse movements, in steps, as a person does (SortableJS needs the moves).

    Each step waits for SortableJS to show it has seen the last one (the row is chosen, the
    drag has started, the row has moved to the target's place, the drop is done) rather than
    sleeping: on a busy machine a drop released too early lands before the drag has started.
    """
    row_id = source.locator("xpath=ancestor::tr[1]").get_attribute("id")
    target_id = target.locator("xpath=ancestor::tr[1]").get_attribute("id")
    row = page.locator(f"[id='{row_id}']")  # the row itself, wherever the drag puts it
    target.scroll_into_view_if_needed()
    source.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + start["height"] / 2)
    page.mouse.down()
    expect(row).to_have_class(re.compile(r"\bsortable-chosen\b"))
    page.mouse.move(start["x"] + 10, start["y"] - 5, steps=10)
    expect(row).to_have_class(re.compile(r"\bsortable-ghost\b"))
    page.mouse.move(end["x"] + 10, end["y"] + 2, steps=30)
    # Dropping above the target: the dragged row now sits where the target was.
    page.wait_for_function(
        "([rowId, targetId]) => document.getElementById(rowId).nextElementSibling"
        " === document.getElementById(targetId)",
        arg=[row_id, target_id],
    )
    page.mouse.up()
    expect(row).not_to_have_class(re.compile(r"\bsortable-(chosen|ghost)\b"))


def key_point_texts(page):
    rows = page.locator("#key_points-group tbody tr.has_original")
    return [rows.nth(i).locator("[name$='-text']").input_value() for i in range(rows.count())]


def test_editor_creates_reorders_by_dragging_and_publishes(page, login, editor):
    source = SourceArticleFactory(title="Harbour expansion approved", publisher="Example Wire")
    login(editor)
    assert_clean(page)

    page.goto("/admin/explainers/explainer/add/")
    page.locator("#id_title").press_sequentially("Why the harbour is growing")
    # The slug is pre-filled from the title by the admin's script.
    expect(page.locator("#id_slug")).to_have_value("why-the-harbour-is-growing")
    page.select_option("#id_language", "en")
    page.fill("#id_introduction", "The city approved a bigger harbour; here is what changes.")
    page.fill("#id_summary", "More ships, more jobs, and a longer construction period.")

    # The source, picked through the autocomplete (select2 over the admin's JSON view).
    page.locator("#source_links-0 .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("harbour")
    page.locator(".select2-results__option", has_text="Harbour expansion approved").click()

    for i, words in enumerate(["Alpha point", "Bravo point", "Charlie point"]):
        page.fill(f"#id_key_points-{i}-text", words)

    page.fill("#id_sections-0-heading", "Background")
    page.fill("#id_sections-0-body", "The harbour was **built** in 1900.")
    page.locator("#sections-group .add-row a").click()
    page.fill("#id_sections-1-heading", "What happens next")
    page.fill("#id_sections-1-body", "Construction starts in spring.")

    page.click("input[name=_continue]")
    page.wait_for_load_state()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert_clean(page)

    explainer = Explainer.objects.get(title="Why the harbour is growing")
    assert explainer.byline == editor
    assert list(explainer.source_links.values_list("source", flat=True)) == [source.pk]
    assert list(explainer.sections.values_list("heading", flat=True)) == [
        "Background",
        "What happens next",
    ]
    assert key_point_texts(page) == ["Alpha point", "Bravo point", "Charlie point"]

    # Drag "Charlie point" by its handle above "Alpha point".
    handles = page.locator("#key_points-group tbody tr.has_original td.original p")
    drag(page, handles.nth(2), handles.nth(0))
    expect(page.locator("#key_points-group tbody tr.has_original").first).to_contain_text(
        "Charlie point"
    )
    visual_order = key_point_texts(page)
    assert visual_order == ["Charlie point", "Alpha point", "Bravo point"]

    page.click("input[name=_publish]")
    page.wait_for_load_state()
    expect(page.locator(".messagelist .error")).to_have_count(0)
    assert_clean(page)

    explainer.refresh_from_db()
    assert explainer.is_published
    stored = list(explainer.key_points.order_by("position").values_list("text", flat=True))
    assert stored == visual_order
    # Live now: its key points are shown read-only (they change in a working draft).
    expect(page.locator("#key_points-group tbody tr.has_original td.field-text")).to_have_text(
        visual_order
    )
    expect(page.locator(".messagelist .success")).to_have_text(["Published."])

    # The reader page shows the new order; the history shows the publication.
    page.goto(explainer.get_absolute_url())
    expect(page.locator(".key-points li")).to_have_text(visual_order)
    assert_clean(page)
    page.goto(f"/admin/explainers/explainer/{explainer.pk}/history/")
    expect(page.locator("#change-history")).to_contain_text("Published now.")
    assert_clean(page)


def test_japanese_title_gets_a_romanised_slug_whatever_the_prefill_kept(page, login, editor):
    login(editor)
    page.goto("/admin/explainers/explainer/add/")
    page.locator("#id_title").press_sequentially("2026年の予算案")
    # The admin's pre-fill would keep only the year ("2026"): while the title is Japanese the
    # box stays empty, and the server romanises the title on save.
    expect(page.locator("#id_slug")).to_have_value("")
    page.fill("#id_introduction", "予算案の中身を見ていきます。")
    page.fill("#id_summary", "家計への影響は限られそうです。")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert_clean(page)
    slug = Explainer.objects.get(title="2026年の予算案").slug
    assert slug.startswith("2026-nen")
    expect(page.locator("#id_slug")).to_have_value(slug)
