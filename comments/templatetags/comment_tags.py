"""{% thread_comment comment %}: one comment of the explainer page's thread, cheaply.

The thread is the page's one long loop (COMMENTS_PER_PAGE threads and their replies), and
rendering `comments/includes/comment.html` once per comment cost more than the rest of the page:
two URL reversals, three translations and a date format each. So the template is rendered once
per page for each kind of comment (its badge, featured or not, answering a reply or not) with
stand-ins for what differs between comments: the id (a number, so `{% url %}` reverses it),
the names, the time, the text and its language. Each comment is then that rendering with its
own values put in place of the stand-ins, escaped as the template would have escaped them.
The HTML is the template's, byte for byte; only the work is shared.
"""

import functools
import re
from dataclasses import dataclass

from django import template
from django.utils import dateformat, formats, timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from comments.models import Badge
from comments.pipeline import log_note_text

register = template.Library()

TEMPLATE = "comments/includes/comment.html"
# Private-use characters: escaping leaves them as they are, and no text or translation has them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SLOT = re.compile(f"{_OPEN}(\\w+){_CLOSE}")


def _slot(name: str) -> SafeString:
    return mark_safe(f"{_OPEN}{name}{_CLOSE}")  # noqa: S308 - a fixed marker, no input


@dataclass
class _Author:
    author_name: str


@dataclass
class _StandIn:
    """What comment.html reads of a comment, with stand-ins where comments differ."""

    pk: int
    badge: str
    is_featured: bool
    in_reply_to_id: int | None

    anchor = property(lambda self: f"comment-{self.pk}")
    language = _slot("language")
    author_name = _slot("name")
    posted_iso = _slot("posted_iso")
    posted_text = _slot("posted_text")
    body_html = _slot("body_html")
    in_reply_to = _Author(author_name=_slot("in_reply_to_name"))

    def get_badge_display(self):
        return Badge(self.badge).label if self.badge else ""


class _Skeleton:
    """comment.html rendered once with stand-ins, as literal parts and the slots between them."""

    def __init__(self, context, *, kind: tuple, pk_stand_in: int):
        badge, is_featured, answers = kind
        stand_in = _StandIn(
            pk=pk_stand_in, badge=badge, is_featured=is_featured, in_reply_to_id=answers
        )
        with context.push(comment=stand_in):
            html = context.template.engine.get_template(TEMPLATE).render(context)
        # "12345" -> the comment's id; a named slot -> that value.
        pieces = re.split(f"({pk_stand_in}|{_OPEN}\\w+{_CLOSE})", html)
        self.parts = [
            (
                ("pk" if piece == str(pk_stand_in) else _SLOT.fullmatch(piece)[1])
                if index % 2
                else piece
            )
            for index, piece in enumerate(pieces)
        ]

    def fill(self, values: dict) -> SafeString:
        parts = self.parts
        return mark_safe(  # noqa: S308 - the template's own HTML and escaped values
            "".join(values[part] if index % 2 else part for index, part in enumerate(parts))
        )


class _Page:
    """Per rendering of the thread: the skeletons made so far, the date format, and the
    language and time zone it is rendered in."""

    def __init__(self, context):
        slug = str(context["explainer"].slug)
        # A number that cannot be mistaken for anything else on the rendered comment.
        self.pk_stand_in = next(n for n in range(987654321, 987654400) if str(n) not in slug)
        self.datetime_format = formats.get_format("DATETIME_FORMAT")
        self.language = translation.get_language()
        self.zone = timezone.get_current_timezone_name()
        self.skeletons = {}

    def skeleton(self, context, kind):
        """The rendering for one kind of comment: (badge, featured, answers a reply)."""
        if kind not in self.skeletons:
            self.skeletons[kind] = _Skeleton(context, kind=kind, pk_stand_in=self.pk_stand_in)
        return self.skeletons[kind]


@functools.lru_cache(maxsize=8192)
def _posted(created_at, datetime_format, language, zone):
    """A comment's time as the template prints it (`|date:'c'`, `|date:"DATETIME_FORMAT"`),
    escaped. Formatting a date is most of a comment's cost, and a comment's time never
    changes: a page rendered again (after another comment is approved, say) formats only the
    new ones. `language` and `zone` are the active ones the caller read; the format reads them.
    """
    posted = timezone.localtime(created_at)
    return (
        conditional_escape(posted.isoformat()),
        conditional_escape(dateformat.format(posted, datetime_format)),
    )


@register.simple_tag(takes_context=True)
def thread_comment(context, comment):
    """`comment` as comments/includes/comment.html shows it (needs `explainer` and
    `comments_closed` in the context, as that template does)."""
    page = context.render_context.get(_Page)
    if page is None:
        page = context.render_context[_Page] = _Page(context)
    answers = comment.in_reply_to_id is not None
    skeleton = page.skeleton(context, (comment.badge or "", bool(comment.is_featured), answers))
    posted_iso, posted_text = _posted(
        comment.created_at, page.datetime_format, page.language, page.zone
    )
    return skeleton.fill(
        {
            "pk": str(comment.pk),
            "name": conditional_escape(comment.author_name),
            "posted_iso": posted_iso,
            "posted_text": posted_text,
            "body_html": comment.body_html,  # the sanitizer's output, as |safe prints it
            "language": conditional_escape(comment.language),
            "in_reply_to_name": (
                conditional_escape(comment.in_reply_to.author_name) if answers else ""
            ),
        }
    )


@register.filter
def log_note(entry):
    """A moderation log entry's note as a person reads it: the system's codes by their labels
    in the active language, a moderator's words as written (`pipeline.log_note_text`)."""
    return log_note_text(entry.action, entry.note)
