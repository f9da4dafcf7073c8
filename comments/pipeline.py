"""The moderation pipeline: what happens to a comment the moment it is submitted.

`evaluate()` is the one function applied at submission. It returns the status the comment
starts in and every reason it was held or marked as spam, so a moderator sees all of them:

- the newsroom is approved at once and badged by its role, from the author's groups
  (`author_badge`): Editors (and superusers) "Editor", Moderators "Moderator" — not
  `is_staff`, which a contributor has too;
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
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core import text
from core.sanitize import plain_text_to_html
from explainers.models import CommentMode

from .models import Badge, Comment, ModerationAction, WordListEntry
from .trust import is_trusted

# The codes stored in Comment.hold_reasons ("hold_word:<word>" and "block_word:<word>" name
# the entry that matched), and in the note of the system's log entries: a "held" entry lists
# the comment's codes (`held_note`), a "reported" one says how many reports ("reports:<n>",
# `reports_note`). They are shown only through their labels (`HoldReason`, `log_note_text`).
PREMODERATION = "premoderation"
HELD_EXPLAINER = "held_explainer"
LINK = "link"
HONEYPOT = "honeypot"
TOO_FAST = "too_fast"
REPORTED = "reported"
HOLD_WORD = "hold_word"
BLOCK_WORD = "block_word"
REPORTS = "reports"
NOTE_SEPARATOR = ", "

# The groups whose members write as the newsroom (explainers/comments 0002_roles), and the
# badge each gives; the first that applies wins.
ROLE_BADGES = (("Editors", Badge.EDITOR), ("Moderators", Badge.MODERATOR))


@dataclass(frozen=True)
class HoldReason:
    """A stored hold code as a moderator reads it: the translated label and the CSS class."""

    code: str
    label: str
    css_class: str

    # code → (label, CSS class); a label with %(word)s names the word-list entry, one with
    # %(count)d the number after the colon.
    KINDS = {
        PREMODERATION: (_("New comments wait for approval"), "hold-reason"),
        HELD_EXPLAINER: (_("Every comment on this explainer is held"), "hold-reason"),
        LINK: (_("Contains a link"), "hold-reason"),
        HOLD_WORD: (_("Matches the hold word “%(word)s”"), "hold-reason"),
        BLOCK_WORD: (_("Matches the block word “%(word)s”"), "hold-reason-spam text-danger"),
        HONEYPOT: (_("Hidden form field was filled in (a bot?)"), "hold-reason-spam text-danger"),
        TOO_FAST: (_("Sent faster than a person types (a bot?)"), "hold-reason-spam text-danger"),
        REPORTED: (_("Reported by readers"), "hold-reason-reported"),
        REPORTS: (
            ngettext_lazy("%(count)d reader report", "%(count)d reader reports", "count"),
            "hold-reason-reported",
        ),
    }

    @classmethod
    def of(cls, code: str) -> "HoldReason":
        """Describe a stored code; an unknown one (from an older version) shows as itself."""
        code = str(code)
        kind, _sep, word = code.partition(":")
        label, css_class = cls.KINDS.get(kind, (code, "hold-reason"))
        if isinstance(label, Promise) and word:
            label = label % {"word": word, "count": int(word) if word.isdigit() else 0}
        return cls(code=code, label=str(label), css_class=css_class)


def held_note(codes) -> str:
    """The note of a "held" log entry: the comment's hold codes."""
    return NOTE_SEPARATOR.join(codes)


def reports_note(count: int) -> str:
    """The note of a "reported" log entry: how many reports sent the comment back."""
    return f"{REPORTS}:{count}"


# "3 reader reports": how "reported" entries were noted before `reports_note`.
_OLD_REPORTS_NOTE = re.compile(r"(\d+) reader reports?")


def log_note_text(action: str, note: str) -> str:
    """A log entry's note as a person reads it, in the active language: the system's entries
    ("held", "reported") carry codes, shown by their labels; a moderator's note is their own
    words, shown as written."""
    note = note or ""
    if action == ModerationAction.Action.REPORTED:
        old = _OLD_REPORTS_NOTE.fullmatch(note)
        if old:
            note = reports_note(int(old[1]))
        if note.startswith(f"{REPORTS}:"):
            return HoldReason.of(note).label
        return note
    if action == ModerationAction.Action.HELD and note:
        return NOTE_SEPARATOR.join(HoldReason.of(code).label for code in note.split(NOTE_SEPARATOR))
    if action == ModerationAction.Action.ACCOUNT_DELETED:
        return gettext(note)  # the system's fixed sentence (comments.privacy), translated
    return note


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
    badge: str = ""


def author_badge(user) -> str:
    """The newsroom role a signed-in author writes in (a `Badge`), or "" for a reader."""
    if user is None or not user.is_authenticated:
        return ""
    if user.is_superuser:
        return Badge.EDITOR
    groups = set(user.groups.values_list("name", flat=True))
    return next((badge for name, badge in ROLE_BADGES if name in groups), "")


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


def moderation_notice(mode: str, user=None) -> str:
    """What the comment form tells the writer about moderation, from the rules `evaluate`
    applies: the newsroom (a badge) is published at once; on a held explainer every other
    comment waits; otherwise a reader who is not trusted waits under the site's
    pre-moderation, and anyone else is published at once unless a hold (a link, a listed
    word) stops the comment."""
    user = user if user is not None and user.is_authenticated else None
    if author_badge(user):
        return gettext(
            "Your comment appears as soon as you send it, unless it needs a moderator's look. "
            "Be kind and stay on topic."
        )
    if mode == CommentMode.HELD:
        return gettext(
            "Every comment on this explainer is read by a moderator before it appears. Be kind "
            "and stay on topic."
        )
    if settings.COMMENTS_PREMODERATION and not is_trusted(user):
        return gettext(
            "Comments are read by a moderator before they appear. Be kind and stay on topic."
        )
    return gettext(
        "Your comment appears as soon as you send it, unless it needs a moderator's look. Be "
        "kind and stay on topic."
    )


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
    badge = author_badge(user)
    if badge:
        return Verdict(status=Comment.Status.APPROVED, badge=badge)

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
