"""The reader's "Suggest a correction" form, its confirmation link, and what readers and
moderators see of the links between corrections and what prompted them."""

import pytest
from django.core import mail
from django.urls import reverse
from lxml import html as lxml_html

from desk import services
from desk.models import CorrectionRequest
from desk.notifications import confirm_token
from explainers.models import CommentMode
from tests.comments.helpers import token
from tests.factories import (
    CommentFactory,
    CorrectionFactory,
    CorrectionRequestFactory,
    ExplainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TEXT = "第2節の採決の日付が違います。正しくは3月12日です。"


def suggest_url(explainer, language="ja"):
    from django.utils import translation

    with translation.override(language):
        return reverse("desk:suggest", args=[explainer.slug])


def data(explainer, **overrides):
    values = {
        "text": TEXT,
        "source_url": "",
        "email": "",
        "website": "",
        "issued": token(explainer, age_seconds=60),
    }
    values.update(overrides)
    return values


def test_every_explainer_page_links_to_the_form_and_carries_no_form_itself(client, explainer):
    page = client.get(explainer.get_absolute_url()).content.decode()
    assert f'href="{suggest_url(explainer, explainer.language)}"' in page
    assert 'name="text"' not in page


def test_form_page_is_never_cached_and_has_the_bot_traps(client, explainer):
    response = client.get(suggest_url(explainer))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    page = response.content.decode()
    assert 'name="website"' in page and 'name="issued"' in page
    assert "csrfmiddlewaretoken" in page


def test_guest_request_is_stored_in_the_page_language_and_thanked(client, explainer):
    response = client.post(
        suggest_url(explainer, "en"),
        data(explainer, source_url="https://example.org/minutes", email="aki@example.net"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:suggest_thanks", args=[explainer.slug])
    request = CorrectionRequest.objects.get()
    assert (request.text, request.source_url, request.email) == (
        TEXT,
        "https://example.org/minutes",
        "aki@example.net",
    )
    assert request.language == "en" and request.user is None and request.ip_hash
    assert client.get(response["Location"]).status_code == 200


def test_signed_in_reader_request_is_theirs(client, explainer):
    user = UserFactory()
    client.force_login(user)
    client.post(suggest_url(explainer), data(explainer))
    assert CorrectionRequest.objects.get().user == user


def test_request_is_stored_when_comments_are_closed(client):
    explainer = ExplainerFactory(published=True, comment_mode=CommentMode.CLOSED)
    assert client.get(suggest_url(explainer)).status_code == 200
    assert client.post(suggest_url(explainer), data(explainer)).status_code == 302
    assert CorrectionRequest.objects.count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 100_001},
        {"source_url": "javascript:alert(1)"},
        {"email": "not an address"},
        {"issued": "tampered"},
        {"issued": ""},
    ],
    ids=["empty", "blank", "too-long", "bad-url", "bad-email", "tampered", "no-token"],
)
def test_bad_input_is_a_form_error_with_400(client, explainer, overrides):
    response = client.post(suggest_url(explainer), data(explainer, **overrides))
    assert response.status_code == 400
    assert "correction-request-errors" in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_expired_form_is_refused_with_a_message(client, explainer, settings):
    settings.COMMENTS_FORM_LIFETIME_SECONDS = 60
    response = client.post(
        suggest_url(explainer), data(explainer, issued=token(explainer, age_seconds=600))
    )
    assert response.status_code == 400
    assert not CorrectionRequest.objects.exists()


def test_nul_and_control_characters_are_dropped_not_a_500(client, explainer):
    response = client.post(suggest_url(explainer), data(explainer, text=f"{TEXT}\x00\x07"))
    assert response.status_code == 302
    assert CorrectionRequest.objects.get().text == TEXT


def test_honeypot_request_is_thanked_like_any_other_and_stored_as_spam(client, explainer):
    response = client.post(suggest_url(explainer), data(explainer, website="http://x.example"))
    assert response.status_code == 302
    assert CorrectionRequest.objects.get().is_spam


def test_flood_is_429_with_the_text_kept(client, explainer, settings):
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 1
    client.post(suggest_url(explainer), data(explainer))
    response = client.post(suggest_url(explainer), data(explainer))
    assert response.status_code == 429
    assert TEXT in response.content.decode()


def test_unpublished_explainer_has_no_form(client):
    draft = ExplainerFactory()
    assert client.get(suggest_url(draft)).status_code == 404


def test_confirmation_link_asks_on_get_and_confirms_on_post(client):
    request = CorrectionRequestFactory(email="aki@example.net")
    url = reverse("desk:confirm", args=[confirm_token(request)])
    assert client.get(url).status_code == 200
    request.refresh_from_db()
    assert request.email_confirmed_at is None  # a link scanner's GET confirms nothing
    response = client.post(url)
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.email_confirmed_at is not None


def test_a_forged_confirmation_link_is_400(client):
    assert client.post(reverse("desk:confirm", args=["forged"])).status_code == 400


def test_corrections_log_says_prompted_by_a_reader_and_links_a_public_comment(
    client, explainer, editor
):
    by_request = CorrectionFactory(explainer=explainer, note="The vote was in March.")
    by_comment = CorrectionFactory(explainer=explainer, note="The figure was 12%.")
    plain = CorrectionFactory(explainer=explainer, note="A typo.")
    services.correction_request_link(
        request=CorrectionRequestFactory(explainer=explainer), correction=by_request, actor=editor
    )
    comment = CommentFactory(explainer=explainer, body="The figure should be 12%, I think.")
    services.correction_comment_link(correction=by_comment, comment=comment, actor=editor)
    tree = lxml_html.fromstring(client.get(explainer.get_absolute_url()).content)

    def prompted(correction):
        return tree.xpath(
            f'//li[@id="correction-{correction.pk}"]//span[@class="correction-prompted"]'
        )

    assert prompted(by_request) and not prompted(by_request)[0].xpath(".//a")
    (link,) = prompted(by_comment)[0].xpath(".//a")
    assert link.get("href") == f"#comment-{comment.pk}"
    assert not prompted(plain)


def test_the_link_shows_at_once_on_the_cached_page(client, explainer, editor):
    correction = CorrectionFactory(explainer=explainer)
    client.get(explainer.get_absolute_url())  # stored in the shared page cache
    services.correction_request_link(
        request=CorrectionRequestFactory(explainer=explainer), correction=correction, actor=editor
    )
    assert "correction-prompted" in client.get(explainer.get_absolute_url()).content.decode()


def test_a_spam_request_prompts_nothing_public(client, explainer, editor):
    correction = CorrectionFactory(explainer=explainer)
    services.correction_request_link(
        request=CorrectionRequestFactory(explainer=explainer, is_spam=True),
        correction=correction,
        actor=editor,
    )
    assert "correction-prompted" not in client.get(explainer.get_absolute_url()).content.decode()


def test_the_moderation_queue_marks_a_comment_that_led_to_a_correction(
    mod_client, explainer, editor
):
    comment = CommentFactory(explainer=explainer, body="The figure should be 12%, I think.")
    other = CommentFactory(explainer=explainer, body="Nice explainer, thank you all.")
    services.correction_comment_link(
        correction=CorrectionFactory(explainer=explainer), comment=comment, actor=editor
    )
    tree = lxml_html.fromstring(
        mod_client.get(reverse("moderation:thread", args=[explainer.pk])).content
    )
    marker = '//*[@id="mod-comment-{}"]//*[contains(@class, "moderation-led-to-correction")]'
    assert tree.xpath(marker.format(comment.pk))
    assert not tree.xpath(marker.format(other.pk))


def test_nothing_of_a_request_is_public(client, explainer):
    CorrectionRequestFactory(explainer=explainer, text="A secret tip about the budget numbers.")
    assert "secret tip" not in client.get(explainer.get_absolute_url()).content.decode()
    assert mail.outbox == []
