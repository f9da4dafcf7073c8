"""Hostile input, CSRF, privacy, and the cache-safety of the explainer page."""

import re

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from comments import submission, text_checks
from comments.models import Comment
from tests.comments.helpers import TEXT, guest_data
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script> and some more words",
    '<img src=x onerror="alert(1)"> and some more words',
    "<svg onload=alert(1)> and some more words",
    'Click <a href="javascript:alert(1)">here</a> please now',
    "Click javascript:alert(1) please now",
    "Click jav&#x09;ascript&colon;alert(1) please now",
    "Click &#106;avascript:alert(1) please now",
    "Link <a href=' java\tscript:alert(1)'>x</a> words",
    '"><script>alert(1)</script> closing quotes words',
    "x" * 3000 + " a very long word indeed",
    "NUL\x00 and control \x01\x02\x1b characters words",
    "\u202eright to left override words\u202c here",
    "</textarea><script>alert(1)</script> words",
    "{{ settings.SECRET_KEY }} {% debug %} template words",
]


def assert_no_executable_markup(html):
    """Parse the HTML as a browser would and look for anything that could run."""
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert len(list(tree.iter("textarea"))) <= 1  # the form's own, never one from the text
    for script in tree.iter("script"):
        assert script.get("src", "").startswith("/static/"), lxml.html.tostring(script)
        assert not (script.text or "").strip()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in {"svg", "iframe", "object", "embed", "img"}
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name.lower() in {"href", "src", "action", "formaction"}:
                squashed = "".join(value.split()).lower()
                assert not squashed.startswith(("javascript:", "data:", "vbscript:")), value


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_stored_safely(explainer, hostile):
    comment = submission.comment_submit(
        explainer=explainer, body=hostile, guest_name="Guest", guest_email="g@example.net"
    )
    assert_no_executable_markup(comment.body_html)
    assert "\x00" not in comment.body and "\u202e" not in comment.body


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_comment_never_runs_on_the_explainer_page(client, explainer, hostile):
    CommentFactory(explainer=explainer, guest_name=hostile[:80], body=hostile)
    response = client.get(explainer.get_absolute_url())
    assert response.status_code == 200
    comments_part = response.content.decode().split('id="comments"', 1)[1]
    assert_no_executable_markup(comments_part)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_post_never_errors_or_echoes_markup(client, explainer, hostile):
    data = guest_data(explainer, name=hostile[:80], body=hostile)
    response = client.post(reverse("comments:post", args=[explainer.slug]), data)
    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert_no_executable_markup(response.content.decode().split("<main", 1)[1])


def test_hostile_reply_form_quotes_safely(client, explainer):
    comment = CommentFactory(explainer=explainer, body=HOSTILE[0], guest_name="<b>x</b>")
    response = client.get(reverse("comments:reply", args=[explainer.slug, comment.pk]))
    assert_no_executable_markup(response.content.decode().split("<main", 1)[1])
    assert "&lt;b&gt;x&lt;/b&gt;" in response.content.decode()


def test_right_to_left_override_is_stripped_from_a_posted_name(client, explainer):
    data = guest_data(explainer, name="\u202egnp.exe\u202c Hana")
    client.post(reverse("comments:post", args=[explainer.slug]), data)
    assert Comment.objects.get().guest_name == "gnp.exe Hana"


def test_nul_and_control_characters_are_dropped_from_a_post(client, explainer):
    data = guest_data(explainer, name="Ha\x00na\x07", body=f"{TEXT}\x00 and\x1b more")
    response = client.post(reverse("comments:post", args=[explainer.slug]), data)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.guest_name, comment.body) == ("Hana", f"{TEXT} and more")


def test_name_of_only_control_characters_is_refused(client, explainer):
    data = guest_data(explainer, name="\u202e\x00\x07")
    response = client.post(reverse("comments:post", args=[explainer.slug]), data)
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_over_long_text_is_refused_not_an_error(client, explainer, settings):
    data = guest_data(explainer, body="word " * settings.COMMENTS_MAX_LENGTH)
    response = client.post(reverse("comments:post", args=[explainer.slug]), data)
    assert response.status_code == 400
    assert "Keep it under" in response.content.decode()


def test_over_long_name_is_refused_not_an_error(client, explainer):
    data = guest_data(explainer, name="n" * 500)
    response = client.post(reverse("comments:post", args=[explainer.slug]), data)
    assert response.status_code == 400


# --- CSRF -------------------------------------------------------------------------------


def test_comment_post_requires_csrf(explainer):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("comments:post", args=[explainer.slug]), guest_data(explainer))
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_reply_post_requires_csrf(explainer):
    top = CommentFactory(explainer=explainer)
    client = Client(enforce_csrf_checks=True)
    url = reverse("comments:reply", args=[explainer.slug, top.pk])
    assert client.post(url, guest_data(explainer)).status_code == 403
    assert Comment.objects.count() == 1


def test_report_post_requires_csrf():
    comment = CommentFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("comments:report", args=[comment.pk]), {"reason": "abusive"})
    assert response.status_code == 403
    assert not comment.reports.exists()


def test_comment_post_with_the_form_pages_csrf_token_is_accepted(explainer):
    client = Client(enforce_csrf_checks=True)
    url = reverse("comments:post", args=[explainer.slug])
    form_page = client.get(url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode())
    data = guest_data(explainer, csrfmiddlewaretoken=csrf.group(1))
    assert client.post(url, data).status_code == 302
    assert Comment.objects.count() == 1


# --- the cacheable explainer page -------------------------------------------------------


def test_anonymous_explainer_page_sets_no_cookie_and_has_no_csrf_token(client, explainer):
    top = CommentFactory(explainer=explainer)
    CommentFactory(explainer=explainer, parent=top)
    response = client.get(explainer.get_absolute_url())
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_anonymous_explainer_page_after_posting_sets_no_cookie(client, explainer):
    response = client.get(explainer.get_absolute_url() + "?posted=pending")
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_guest_email_is_never_on_the_explainer_page(client, explainer):
    CommentFactory(explainer=explainer, guest_email="secret.address@example.net")
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert "secret.address" not in page


def test_guest_email_is_never_on_the_reply_or_report_pages(client, explainer):
    comment = CommentFactory(explainer=explainer, guest_email="secret.address@example.net")
    for url in [
        reverse("comments:reply", args=[explainer.slug, comment.pk]),
        reverse("comments:report", args=[comment.pk]),
    ]:
        assert "secret.address" not in client.get(url).content.decode()


def test_comment_link_is_nofollow_ugc(client, explainer):
    CommentFactory(explainer=explainer, body="See https://example.org/page for more")
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert 'href="https://example.org/page" rel="nofollow ugc noopener"' in page


def test_text_is_shown_escaped_with_paragraphs(client, explainer):
    CommentFactory(explainer=explainer, body="One <i>two</i>\nthree\n\nfour five")
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert "<p>One &lt;i&gt;two&lt;/i&gt;<br>three</p><p>four five</p>" in page


def test_submission_text_body_limit_matches_the_form(explainer):
    assert text_checks.body_problems(TEXT) == []
