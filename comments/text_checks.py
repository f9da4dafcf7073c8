"""Whether a comment's text can be accepted: the one rule for the form and the service."""

from django.conf import settings
from django.utils.translation import gettext as _

from core import text


def body_problems(body: str) -> list[str]:
    """Why a comment's text cannot be accepted (empty when it can).

    The minimum counts characters for Japanese and words for English: Japanese has no spaces,
    so "two words" would let any five characters through and "five characters" would stop a
    short English reply. Text in either script that meets its own minimum is accepted.
    """
    body = (body or "").strip()
    if not body:
        return [_("Write something before sending.")]
    if len(body) > settings.COMMENTS_MAX_LENGTH:
        return [
            _("Keep it under %(max)d characters (this is %(length)d).")
            % {"max": settings.COMMENTS_MAX_LENGTH, "length": len(body)}
        ]
    cjk_chars, latin_words = text.count_units(body)
    if cjk_chars < settings.COMMENTS_MIN_CHARS_JA and latin_words < settings.COMMENTS_MIN_WORDS_EN:
        return [
            _(
                "That is too short to publish: write at least %(chars)d Japanese characters "
                "or %(words)d words."
            )
            % {"chars": settings.COMMENTS_MIN_CHARS_JA, "words": settings.COMMENTS_MIN_WORDS_EN}
        ]
    return []
