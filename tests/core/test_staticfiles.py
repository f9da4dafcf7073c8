"""The Bootstrap sheet we serve is trimmed to the rules our pages can use (core/staticfiles.py).

The unit tests pin what the trimmer keeps and drops. The page walk is the real check: every
reader, account, form and moderation page, rendered with the demo content (in both languages,
with form errors showing), uses only classes for which the trimmed sheet keeps every
Bootstrap rule that could match them.
"""

import io
from pathlib import Path

import lxml.html
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from comments.models import Comment
from core import staticfiles
from core.staticfiles import trim_to_words
from explainers.models import Explainer
from readers.models import AuthorProfile
from tests.factories import ExplainerFactory


def test_a_rule_stays_only_when_its_classes_are_used():
    css = ".used{color:red}.unused{color:blue}.used.unused{margin:0}p{margin:0}"
    assert trim_to_words(css, {"used"}) == ".used{color:red}p{margin:0}"


def test_a_selector_list_keeps_its_used_selectors():
    css = ".a,.b>.c,h1{font-weight:700}"
    assert trim_to_words(css, {"a", "b"}) == ".a,h1{font-weight:700}"


def test_classes_inside_not_do_not_decide():
    css = ".btn:not(.disabled):hover{color:red}"
    assert trim_to_words(css, {"btn"}) == css


def test_attribute_selectors_need_their_attribute_in_use():
    css = "[data-bs-theme=dark]{--x:1}[hidden]{display:none!important}"
    assert trim_to_words(css, {"hidden"}) == "[hidden]{display:none!important}"


def test_media_blocks_keep_their_used_rules_and_go_when_empty():
    css = "@media (min-width:576px){.a{width:1px}.b{width:2px}}@media print{.b{color:red}}"
    assert trim_to_words(css, {"a"}) == "@media (min-width:576px){.a{width:1px}}"


def test_keyframes_stay_when_a_kept_rule_names_them():
    css = (
        "@keyframes spin{to{transform:rotate(360deg)}}.spinner{animation:spin 1s}"
        "@keyframes fade{to{opacity:0}}.fader{animation:fade 1s}"
    )
    trimmed = trim_to_words(css, {"spinner"})
    assert trimmed == ".spinner{animation:spin 1s}@keyframes spin{to{transform:rotate(360deg)}}"


def test_strings_comments_and_the_licence():
    css = '@charset "UTF-8";/*! licence */.a::before{content:"{}"}/* note */.b{color:red}'
    assert trim_to_words(css, {"a"}) == '@charset "UTF-8";/*! licence */.a::before{content:"{}"}'


def test_template_built_message_classes_are_kept():
    css = ".alert-success{color:green}.alert-danger{color:red}.alert-dark{color:#000}"
    assert trim_to_words(css, set()) == ".alert-success{color:green}.alert-danger{color:red}"


def test_the_sheet_follows_a_template_change(tmp_path, settings):
    """A class added to a template is in the next sheet the finder writes."""
    templates = tmp_path / "templates"
    templates.mkdir()
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates]}]
    finder = staticfiles.CspSafeBootstrapFinder()
    finder.location = tmp_path / "build"  # not the sheet the other tests are served
    (templates / "page.html").write_text('<p class="text-center">x</p>')
    assert ".placeholder-wave{" not in Path(finder.find(staticfiles.PATH)).read_text()
    (templates / "other.html").write_text('<p class="placeholder-wave">x</p>')
    assert ".placeholder-wave{" in Path(finder.find(staticfiles.PATH)).read_text()


def _selectors(css: str):
    for prelude, body in staticfiles._blocks(staticfiles.COMMENT.sub("", css)):
        if body is None or staticfiles.KEYFRAMES.match(prelude):
            continue
        if prelude.startswith("@"):
            yield from _selectors(body)
        else:
            yield from staticfiles._split_selectors(prelude)


def _classes_and_attributes_on(html: str) -> tuple[set[str], set[str]]:
    classes, attributes = set(), set()
    for element in lxml.html.document_fromstring(html).iter():
        if isinstance(element.tag, str):
            attributes.update(element.attrib)
            classes.update(element.get("class", "").split())
    return classes, attributes


def _pages(client, staff):
    """(label, html) of every kind of page that links the sheet."""
    ja = Explainer.objects.published().filter(language="ja").first()
    en = Explainer.objects.published().filter(language="en").first()
    author = AuthorProfile.objects.first()
    topic = ja.topics.first()
    comment = Comment.objects.filter(explainer=ja, status=Comment.Status.APPROVED).first()
    source = ja.sources.first()
    for language in ("ja", "en"):
        with translation.override(language):
            urls = [
                reverse("explainers:home"),
                ja.get_absolute_url(),
                en.get_absolute_url(),
                topic.get_absolute_url(),
                source.get_absolute_url(),
                reverse("explainers:author", args=[author.slug]),
                reverse("explainers:search") + "?q=%E9%A2%A8%E5%8A%9B",
                reverse("explainers:search") + "?q=zzzznothing",
                reverse("explainers:search") + "?q=",
                reverse("explainers:home") + "?page=2",
                reverse("explainers:home") + "?page=999",
                reverse("desk:suggest", args=[ja.slug]),
                reverse("comments:post", args=[ja.slug]),
                reverse("comments:report", args=[comment.pk]),
                reverse("account_login"),
                reverse("account_signup"),
                reverse("account_reset_password"),
                "/ja/no-such-page/",
            ]
        for url in urls:
            yield url, client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    # Forms with their errors showing.
    yield (
        "comment errors",
        client.post(reverse("comments:post", args=[ja.slug]), {"body": ""}).content.decode(),
    )
    yield (
        "correction errors",
        client.post(reverse("desk:suggest", args=[ja.slug]), {"body": ""}).content.decode(),
    )
    yield (
        "login errors",
        client.post(
            reverse("account_login"), {"login": "nobody", "password": "wrong"}
        ).content.decode(),
    )
    # A reader's own pages, and the moderation tool.
    client.force_login(staff)
    for url in (
        ja.get_absolute_url(),
        reverse("reader:profile"),
        reverse("reader:delete"),
        reverse("my_comments"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("moderation:queue"),
        reverse("moderation:log"),
        reverse("moderation:thread", args=[ja.pk]),
        reverse("moderation:commenter", args=[staff.pk]),
    ):
        yield url, client.get(url).content.decode()


@pytest.mark.django_db
def test_every_bootstrap_rule_our_pages_can_match_is_kept(client, moderator):
    call_command("load_demo", stdout=io.StringIO())
    ExplainerFactory.create_batch(11, published=True)  # the home page has a second page
    full = staticfiles.without_data_urls(Path(finders.find(staticfiles.SOURCE)).read_text())
    trimmed = Path(finders.find(staticfiles.PATH)).read_text()
    kept = set(_selectors(trimmed))
    assert len(trimmed) < 0.3 * len(full)  # the point of trimming
    seen, attributes = set(), set()
    for label, html in _pages(client, moderator):
        assert "kaisetsu/bootstrap" in html, label
        classes, names = _classes_and_attributes_on(html)
        seen |= classes
        attributes |= names
    assert {"container", "btn", "form-control", "alert", "pager-link"} <= seen  # it walked
    needed = set()
    for selector in _selectors(full):
        positive = staticfiles._without_not(selector)
        classes = set(staticfiles.CLASS.findall(positive))
        if (
            classes
            and classes <= seen
            and set(staticfiles.ATTRIBUTE.findall(positive)) <= attributes
        ):
            needed.add(selector)
    assert needed  # Bootstrap rules do match our pages
    assert sorted(needed - kept) == []
