"""Names made of characters nobody can see are no name at all (core.text); the language of
a reader's text."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from comments.models import Comment
from core import text
from readers.models import ReaderProfile
from readers.services import reader_profile_update
from tests.comments.helpers import guest_data
from tests.factories import PASSWORD, CommentFactory, ExplainerFactory, UserFactory

INVISIBLE_NAMES = [
    "\u200b",  # zero width space
    "\u200b\u200d",  # zero width space, zero width joiner
    "\u200c\u200e\u200f",  # zero width non-joiner, left-to-right and right-to-left marks
    "\u2060\u2061\u2062\u2063\u2064",  # word joiner, invisible operators
    "\U000e0001\U000e0041\U000e007f",  # tag characters
    "\u180e",  # Mongolian vowel separator
    "\u034f",  # combining grapheme joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\u3164",  # Hangul filler
    "\uffa0",  # half-width Hangul filler
    "\u115f\u1160",  # Hangul choseong and jungseong fillers
    "\u2800",  # braille pattern blank
    "\u17b4\u17b5",  # Khmer inherent vowels
    "\ufe0f\U000e0100",  # variation selectors
    "\u0301\u0308",  # combining marks with nothing to sit on
    "\u3000\u00a0\u2003",  # ideographic, no-break and em spaces
    "\u2028\u2029",  # line and paragraph separators
    "\U0001d173\U0001d17a",  # musical formatting characters
    " \u200b \u3164 \u2800 ",
]
VISIBLE_NAMES = [
    "Hana",
    "葵",
    "ハナ",
    "e\u0301",  # a letter and its accent
    "\U0001f469\u200d\U0001f4bb",  # an emoji sequence joined by ZWJ
    "\u0645\u06cc\u200c\u0631\u0648\u0645",  # Persian, with a zero width non-joiner inside
    "\u314e",  # a Hangul letter, not the filler
    ".",
    "\u2801",  # a braille letter, not the blank
]


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_a_name_without_a_visible_character_is_empty(name):
    assert not text.has_visible_character(name)
    assert text.clean_name(name) == ""


@pytest.mark.parametrize("name", VISIBLE_NAMES)
def test_a_name_with_a_visible_character_is_kept(name):
    assert text.has_visible_character(name)
    assert text.clean_name(name) == name


def test_nothing_has_no_visible_character():
    assert not text.has_visible_character("")
    assert not text.has_visible_character(None)


def test_a_visible_name_keeps_its_joiners_and_marks():
    """Invisible characters inside a visible name are kept: scripts and emoji need them."""
    assert text.clean_name("  Ha\u200dna  ") == "Ha\u200dna"


# --- Every door a name comes in by refuses an invisible one ---------------------------------


@pytest.mark.django_db
def test_a_guest_comment_with_an_invisible_name_is_refused(client, settings):
    settings.COMMENTS_MIN_SECONDS_TO_SUBMIT = 0
    explainer = ExplainerFactory(published=True)
    url = reverse("comments:post", args=[explainer.slug])
    response = client.post(url, guest_data(explainer, name="\u200b\u200d"))
    assert response.status_code == 400
    assert "Give the name to show with your comment." in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_sign_up_with_an_invisible_display_name_is_refused(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "aoi@example.net",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "\u200b\U000e0041",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
    assert not EmailAddress.objects.filter(email="aoi@example.net").exists()


@pytest.mark.django_db
def test_the_account_page_refuses_an_invisible_display_name(client):
    user = UserFactory()
    reader_profile_update(user=user, display_name="Hana")
    client.force_login(user)
    response = client.post(reverse("reader:profile"), {"display_name": "\u115f\u1160"})
    assert response.status_code == 400
    assert ReaderProfile.objects.get(user=user).display_name == "Hana"


# --- The language of a reader's text ---------------------------------------------------------

LANGUAGE_SAMPLES = [
    ("円安が続くと家計にはどんな影響がありますか。", "ja"),
    ("カタカナだけ", "ja"),
    ("ひらがな", "ja"),
    ("この記事はgenerative AIについての解説です", "ja"),  # Latin letters, not a majority
    ("ＡＩ規制", "ja"),  # full-width Latin counts as Latin: two letters, two kanji
    ("A clear explainer, thank you.", "en"),
    ("I had sushi (寿司) in Osaka yesterday.", "en"),  # a Japanese word in English
    ("Ça a été très clair, merci. 日本", "en"),
    ("", "en"),
    ("123 !!", "en"),
    ("😀", "en"),
]


@pytest.mark.parametrize(("value", "language"), LANGUAGE_SAMPLES)
def test_language_of_a_readers_text(value, language):
    assert text.language_of(value) == language


def test_the_migration_fills_languages_by_the_same_rule():
    migration = importlib.import_module("comments.migrations.0011_drop_is_staff_comment")
    for value, language in LANGUAGE_SAMPLES:
        assert migration._language_of(value) == language, value


@pytest.mark.django_db
def test_a_comment_records_its_language_on_every_save():
    comment = CommentFactory(body="A clear explainer, thank you.")
    assert comment.language == "en"
    comment.body = "とても分かりやすい解説でした。"
    comment.save(update_fields=["body"])
    comment.refresh_from_db()
    assert comment.language == "ja"
