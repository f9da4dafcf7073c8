"""The layout in a real browser (Chromium): on a wide screen the reading column is centred,
not pushed to the left with the right half empty; on a phone the header is one row before
the content, and searching still works."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; }"


@pytest.mark.parametrize("path", ["explainer", "home"])
def test_the_reading_column_is_centred_on_a_wide_screen(page, explainer, path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(explainer.get_absolute_url() if path == "explainer" else "/en/")
    left, right, _top, _bottom = page.locator("main").evaluate(BOX)
    assert right - left <= 700  # about 40em of text
    assert abs(left - (1280 - right)) <= 2  # as much room on the right as on the left
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_phone_header_is_one_row_and_searches(page, explainer, language):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/{language}/")
    visible = page.locator(".site-header nav > *:visible")
    tops = [box[2] for box in (visible.nth(i).evaluate(BOX) for i in range(visible.count()))]
    header_bottom = page.locator(".site-header").evaluate(BOX)[3]
    assert visible.count() >= 4  # brand, search, the other language, account
    assert max(tops) - min(tops) < 12, tops  # one row
    assert header_bottom < 70
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out
    page.locator("#site-search-q").fill("rice")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url("**/search/?q=rice**")
    assert page.console_errors == []
