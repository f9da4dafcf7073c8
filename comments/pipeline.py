"""The moderation pipeline: what happens to a comment the moment it is submitted.

`evaluate()` is the one function applied at submission. It returns the status the comment
starts in and every reason it was held or marked as spam, so a moderator sees all of them:

- staff (is_staff) are approved at once and get the "Editor" badge;
- spam signals (a block-list word, a filled honeypot, a form returned faster than a person
  can) mark the comment as spam: stored, never shown, rescuable by a moderator;
- hold rules (a link from an untrusted author, a hold-list word) hold it for moderation,
  whatever the author's trust;
- an explainer whose comment mode is "held" (`explainers.models.CommentMode`, a sensitive
  story) holds every comment, whatever the author's trust;
- otherwise pre-moderation holds it, unless the author is trusted.

Words are matched per script. Japanese is written without spaces, so a Japanese entry matches
anywhere in the text after NFKC folding (full-width and half-width forms match each other);
a Latin entry matches whole words only, so "press" holds "the press" but not "WordPress".
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import text
from core.sanitize import plain_text_to_html
from explainers.models import CommentMode

from .models import Comment, WordListEntry
from .trust import is_trusted

# The codes stored in Comment.hold_reasons ("hold_word:<word>" and "block_word:<word>" name
# the entry that matched).
PREMODERATION = "premoderation"
HELD_EXPLAINER = "held_explainer"
LINK = "link"
HONEYPOT = "honeypot"
TOO_FAST = "too_fast"
REPORTED = "reported"
HOLD_WORD = "hold_word"
BLOCK_WORD = "block_word"


@dataclass(frozen=True)
class HoldReason:
    """A stored hold code as a moderator reads it: the translated label and the CSS class."""

    code: str
    label: str
    css_class: str

    # code → (label, CSS class); a label with %(word)s names the word-list entry.
    KINDS = {
        PREMODERATION: (_("New comments wait for approval"), "hold-reason"),
        HELD_EXPLAINER: (_("Every comment on this explainer is held"), "hold-reason"),
        LINK: (_("Contains a link"), "hold-reason"),
        HOLD_WORD: (_("Matches the hold word “%(word)s”"), "hold-reason"),
        BLOCK_WORD: (_("Matches the block word “%(word)s”"), "hold-reason-spam text-danger"),
        HONEYPOT: (_("Hidden form field was filled in (a bot?)"), "hold-reason-spam text-danger"),
        TOO_FAST: (_("Sent faster than a person types (a bot?)"), "hold-reason-spam text-danger"),
        REPORTED: (_("Reported by readers"), "hold-reason-reported"),
    }

    @classmethod
    def of(cls, code: str) -> "HoldReason":
        """Describe a stored code; an unknown one (from an older version) shows as itself."""
        code = str(code)
        kind, _sep, word = code.partition(":")
        label, css_class = cls.KINDS.get(kind, (code, "hold-reason"))
        if isinstance(label, Promise) and word:
            label = label % {"word": word}
        return cls(code=code, label=str(label), css_class=css_class)


# Anything that looks like an address, even where the linkifier would not make it clickable
# ("hxxp"-style tricks aside): a scheme, or a www. host, after NFKC folding (so full-width
# "ｈｔｔｐｓ：／／" counts too).
_LINK_RE = re.compile(r"(?:https?:/*|www\.)", re.IGNORECASE)
# A Latin "word character": a letter or digit that is not Japanese. Japanese runs are blanked
# before Latin matching, so an English word inside a Japanese sentence still has boundaries.
_LATIN_WORD_CHAR = r"[^\W_]"


@dataclass
class Verdict:
    """The outcome of the pipeline for one submission."""

    status: str
    reasons: list[str] = field(default_factory=list)
    is_staff_comment: bool = False


def contains_link(body: str) -> bool:
    """True when the text has an address in it, clickable or not."""
    if _LINK_RE.search(text.fold(body)):
        return True
    return "<a " in plain_text_to_html(body)


def word_matches(word: str, body: str) -> bool:
    """Does a word-list entry match the text? Japanese by substring, Latin by whole word."""
    needle = text.fold(word).strip()
    if not needle:
        return False
    haystack = text.fold(body)
    if text.is_cjk(needle):
        return needle in haystack
    latin_only = text.CJK_RUN_RE.sub(" ", haystack)
    pattern = rf"(?<!{_LATIN_WORD_CHAR}){re.escape(needle)}(?!{_LATIN_WORD_CHAR})"
    return re.search(pattern, latin_only) is not None


def matching_words(body: str, kind: str) -> list[str]:
    words = WordListEntry.objects.filter(kind=kind).values_list("word", flat=True)
    return [word for word in words if word_matches(word, body)]


def evaluate(
    *, body: str, user=None, honeypot: str = "", issued_at=None, now=None, mode=CommentMode.OPEN
) -> Verdict:
    """Decide the starting status of a new comment, with every reason it was held.

    `mode` is the explainer's `comment_mode`: this is the one place that reads it (a closed
    explainer never gets here: `submission.closed_reason` refuses first).

    `issued_at` is when the form was handed out (already verified by the form's signature);
    None means there was no form (demo data, scripts) and the speed rule does not apply.
    """
    user = user if user is not None and user.is_authenticated else None
    if user is not None and user.is_staff:
        return Verdict(status=Comment.Status.APPROVED, is_staff_comment=True)

    now = now or timezone.now()
    spam_reasons = [f"{BLOCK_WORD}:{word}" for word in matching_words(body, "block")]
    if honeypot and honeypot.strip():
        spam_reasons.append(HONEYPOT)
    if issued_at is not None:
        elapsed = (now - issued_at).total_seconds()
        if elapsed < settings.COMMENTS_MIN_SECONDS_TO_SUBMIT:
            spam_reasons.append(TOO_FAST)

    trusted = is_trusted(user)
    hold_reasons = []
    if settings.COMMENTS_HOLD_LINKS and not trusted and contains_link(body):
        hold_reasons.append(LINK)
    hold_reasons += [f"{HOLD_WORD}:{word}" for word in matching_words(body, "hold")]
    if mode == CommentMode.HELD:
        hold_reasons.append(HELD_EXPLAINER)
    elif settings.COMMENTS_PREMODERATION and not trusted:
        hold_reasons.append(PREMODERATION)

    if spam_reasons:
        return Verdict(status=Comment.Status.SPAM, reasons=spam_reasons + hold_reasons)
    if hold_reasons:
        return Verdict(status=Comment.Status.PENDING, reasons=hold_reasons)
    return Verdict(status=Comment.Status.APPROVED)
