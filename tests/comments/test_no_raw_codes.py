"""No code is shown to a person: the moderation tool and the admin's comment pages, walked in
Japanese with data holding every code, show labels only.

Codes are stored (hold reasons, reason codes, actions, statuses, the system's log notes) and
labelled where they are shown; this walks every page that shows them and fails on any known
code in the visible text (text nodes; attributes and addresses may carry codes). Text readers
wrote (comment bodies) is not ours to label and is left out.
"""

import io
import re

import lxml.html
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from comments import pipeline, privacy, reports, submission
from comments.models import Comment, ModerationAction, ReasonCode
from comments.moderation_queries import TABS
from explainers.models import CommentMode
from readers.services import reader_profile_update
from tests.factories import (
    CommentFactory,
    CommentReportFactory,
    ExplainerFactory,
    ReaderProfileFactory,
    UserFactory,
    WordListEntryFactory,
)

pytestmark = pytest.mark.django_db

Action = ModerationAction.Action
Status = Comment.Status

KNOWN_CODES = {
    *pipeline.HoldReason.KINDS,
    *ReasonCode.values,
    *Action.values,
    *Status.values,
}
CODE_RE = re.compile(
    r"(?<![A-Za-z0-9_])("
    + "|".join(re.escape(code) for code in sorted(KNOWN_CODES, key=len, reverse=True))
    + r")(?![A-Za-z0-9_])"
)
# Readers' own words (a comment's text, and the text quoted under "in reply to").
READER_TEXT = ("moderation-body", "moderation-reply-to")
HOLD_WORD, BLOCK_WORD = "円安", "カジノ"
EVERY_HOLD_CODE = [
    pipeline.PREMODERATION,
    pipeline.HELD_EXPLAINER,
    pipeline.LINK,
    pipeline.HONEYPOT,
    pipeline.TOO_FAST,
    pipeline.REPORTED,
    f"{pipeline.HOLD_WORD}:{HOLD_WORD}",
    f"{pipeline.BLOCK_WORD}:{BLOCK_WORD}",
]


def visible_text(html: str) -> str:
    """Every text node a person sees, one per line; scripts, styles and readers' text aside."""
    doc = lxml.html.document_fromstring(html)
    hidden = " or ".join(
        f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')" for name in READER_TEXT
    )
    for element in doc.xpath(f"//script | //style | //template | //*[{hidden}]"):
        element.drop_tree()
    lines = []
    for node in doc.iter():
        if isinstance(node.tag, str) and node.text:
            lines.append(node.text)
        if node.tail:
            lines.append(node.tail)
    return "\n".join(line.strip() for line in lines if line.strip())


def raw_codes(html: str) -> list[str]:
    return [line for line in visible_text(html).splitlines() if CODE_RE.search(line) is not None]


def test_the_scanner_finds_a_code_in_text_and_not_in_attributes_or_readers_words():
    html = (
        '<html><body><p class="x" data-s="spam"><a href="/moderation/spam/">スパム</a></p>'
        '<div class="moderation-body"><p>premoderation</p></div>'
        "<script>var held = 1;</script><td>保留: premoderation</td><td>link</td></body></html>"
    )
    assert raw_codes(html) == ["保留: premoderation", "link"]
    assert raw_codes("<p>hold_word:円安 と block_wordで</p>") == ["hold_word:円安 と block_wordで"]
    assert raw_codes("<p>linked spammer approval</p>") == []


@pytest.fixture
def codes_everywhere(settings, moderator):
    """Comments in every status with every hold code, rejection reason and report reason, and a
    log entry of every action, made through the services where a service makes them."""
    settings.COMMENTS_FLOOD_LIMIT_PER_MINUTE = 1000
    settings.COMMENTS_REPORT_THRESHOLD = 3
    WordListEntryFactory(word=HOLD_WORD, kind="hold")
    WordListEntryFactory(word=BLOCK_WORD, kind="block")
    explainer = ExplainerFactory(published=True, language="ja", title="円安と家計の解説")
    held_story = ExplainerFactory(
        published=True, language="ja", title="災害報道の解説", comment_mode=CommentMode.HELD
    )
    reader = UserFactory(username="yamada")
    ReaderProfileFactory(user=reader, display_name="山田")
    editor = UserFactory(is_superuser=True, is_staff=True, username="henshu")

    def submit(**kwargs):
        kwargs.setdefault("guest_name", "花子")
        kwargs.setdefault("guest_email", "hanako@example.jp")
        return submission.comment_submit(ip_address="203.0.113.9", **kwargs)

    # The pipeline's own codes, stored by comment_submit and logged as "held".
    spam = submit(
        explainer=explainer,
        body=f"{HOLD_WORD}と{BLOCK_WORD}の話です。 https://example.org/ をどうぞ。",
        honeypot="x",
        issued_at=timezone.now(),
    )
    held = submit(explainer=held_story, body="慎重に扱うべき話題だと思います。")
    pending = submit(explainer=explainer, body="家計への影響が気になります。", user=reader)
    # A comment with every code at once (a card, and the admin's list and change page).
    everything = CommentFactory(
        explainer=explainer,
        status=Status.PENDING,
        is_reported=True,
        hold_reasons=EVERY_HOLD_CODE,
        guest_name="次郎",
        body="いろいろな理由で保留された意見です。",
    )
    # Sent back by reports (logged "reported"), with a report of every reason.
    reported = submit(explainer=explainer, body="円相場の見通しについて。", user=editor)
    for n, reason in enumerate(ReasonCode.values):
        reported.refresh_from_db()
        if reported.status == Status.APPROVED:
            reports.comment_report(
                comment=reported, reason=reason, user=UserFactory(), ip_address=f"192.0.2.{n}"
            )
        else:
            CommentReportFactory(comment=reported, reason=reason)
    # Published with reports nobody answered yet (the reported tab).
    answered_not = CommentFactory(explainer=explainer, body="物価の話も知りたいです。")
    CommentReportFactory(comment=answered_not, reason=ReasonCode.PERSONAL_INFO)
    # Badged and featured.
    CommentFactory(
        explainer=explainer,
        user=moderator,
        guest_name="",
        badge="moderator",
        is_featured=True,
        featured_at=timezone.now(),
        body="モデレーターからのお知らせです。",
        parent=answered_not,
        in_reply_to=None,
    )
    # Decided, with every reason a moderator gives.
    for reason in ReasonCode.values:
        for status in (Status.REJECTED, Status.REMOVED):
            CommentFactory(
                explainer=explainer,
                user=reader,
                guest_name="",
                status=status,
                rejection_reason=reason,
                moderated_by=moderator,
                moderated_at=timezone.now(),
                body="判断済みの意見です。",
            )
    # The log: every action, the system's notes as the services write them.
    for action in Action.values:
        about_reader = action in {
            Action.GRANT_TRUST,
            Action.REVOKE_TRUST,
            Action.AUTO_TRUST,
            Action.SUSPEND,
            Action.BAN,
            Action.LIFT,
        }
        ModerationAction.objects.create(
            comment=None if about_reader else everything,
            subject_user=reader if about_reader else None,
            actor=None if action in {Action.HELD, Action.REPORTED} else moderator,
            action=action,
            old_status="" if about_reader else Status.PENDING,
            new_status=Status.PENDING if about_reader else Status.APPROVED,
            reason=ReasonCode.OTHER if action in {Action.REJECT, Action.SUSPEND} else "",
            note={
                Action.HELD: pipeline.held_note(EVERY_HOLD_CODE),
                Action.REPORTED: "3 reader reports",  # as written before notes were codes
                Action.ACCOUNT_DELETED: privacy.ACCOUNT_DELETED_NOTE,
            }.get(action, "確認しました。"),
        )
    return {
        "explainers": [explainer, held_story],
        "reader": reader,
        "comments": [spam, held, pending, everything, reported, answered_not],
        "superuser": editor,
    }


def japanese_client(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    return client


def test_no_raw_code_on_any_moderation_or_admin_page_in_japanese(client, codes_everywhere):
    data = codes_everywhere
    spam, held, pending, everything, reported, _answered = data["comments"]
    # The data holds what the pages must label: every code, stored as a code.
    assert {pipeline.LINK, pipeline.HONEYPOT, pipeline.TOO_FAST} <= set(spam.hold_reasons)
    assert f"{pipeline.BLOCK_WORD}:{BLOCK_WORD}" in spam.hold_reasons
    assert pipeline.HELD_EXPLAINER in held.hold_reasons
    reported.refresh_from_db()
    assert reported.is_reported
    assert ModerationAction.objects.get(comment=reported, action=Action.REPORTED).note == (
        pipeline.reports_note(3)
    )

    client = japanese_client(client, data["superuser"])
    pages = [reverse("moderation:queue")]
    pages += [reverse("moderation:tab", kwargs={"tab": tab}) for tab in TABS]
    pages += [reverse("moderation:log")]
    pages += [reverse("moderation:thread", kwargs={"pk": e.pk}) for e in data["explainers"]]
    pages += [reverse("moderation:commenter", kwargs={"pk": data["reader"].pk})]
    pages += [reverse("moderation:author", kwargs={"pk": c.pk}) for c in (spam, everything)]
    pages += [reverse("admin:comments_comment_changelist")]
    pages += [
        reverse("admin:comments_comment_change", args=[c.pk])
        for c in (spam, held, pending, everything, reported)
    ]
    pages += [reverse("admin:comments_moderationaction_changelist")]
    found = {}
    seen = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Language"] == "ja", url
        seen += response.content.decode()
        if raw := raw_codes(response.content.decode()):
            found[url] = raw
    # The decision error page (a rejection without its reason), showing the comment's card.
    url = reverse("moderation:reject", kwargs={"pk": everything.pk})
    response = client.post(url, {"next": reverse("moderation:queue")})
    assert response.status_code == 400
    if raw := raw_codes(response.content.decode()):
        found[url] = raw
    assert found == {}
    # ...and the labels are there instead, in Japanese.
    with translation.override("ja"):
        for code in EVERY_HOLD_CODE + [pipeline.reports_note(3)]:
            assert pipeline.HoldReason.of(code).label in seen, code
        for reason in ReasonCode:
            assert str(reason.label) in seen, reason


def test_no_raw_code_in_the_moderators_digest_in_japanese(
    moderator, codes_everywhere, django_capture_on_commit_callbacks
):
    reader_profile_update(user=moderator, language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_moderation_digest", stdout=io.StringIO())
    [message] = [m for m in mail.outbox if m.to == [moderator.email]]
    [(html, _mimetype)] = message.alternatives
    assert "コメント" in message.subject
    assert raw_codes(f"<html><body><pre>{message.body}</pre></body></html>") == []
    assert raw_codes(html) == []
