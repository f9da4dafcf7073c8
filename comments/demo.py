"""Demo comments: every state a moderator meets, in Japanese and English, in our own words.

`load_demo_comments(explainers, users)` is called by `manage.py load_demo`. It is idempotent:
each demo comment is keyed on its explainer and text, so a second run creates nothing new and
never repeats a moderation decision. Status changes go through the same services as the site,
so the moderation log has real entries.
"""

from django.conf import settings
from django.db import transaction

from readers.models import ReaderProfile

from . import counters, pipeline
from .models import MODERATE_PERMISSION, Comment, WordListEntry
from .moderation import comment_reject, comment_remove
from .privacy import guest_key
from .reports import comment_report

WORDS = [
    ("必ず儲かる", WordListEntry.Kind.HOLD),
    ("guaranteed returns", WordListEntry.Kind.HOLD),
    ("カジノ", WordListEntry.Kind.BLOCK),
    ("casino", WordListEntry.Kind.BLOCK),
]

# One script per language: (key, author, text, parent key, final state, extra reasons).
# "guest:<name>" is a guest; "reader"/"staff" pick a demo account.
SCRIPTS = {
    "ja": [
        (
            "a",
            "guest:山田",
            "要点が整理されていて、ニュースの背景がよく分かりました。",
            None,
            "approved",
            [],
        ),
        (
            "b",
            "reader",
            "同じ疑問を持っていたので助かります。続報も読みたいです。",
            "a",
            "approved",
            [],
        ),
        ("c", "staff", "ご意見ありがとうございます。続報が出たら追記します。", "b", "approved", []),
        (
            "d",
            "guest:佐藤",
            "地方ではどのような影響があるのか、もう少し知りたいと思いました。",
            None,
            "pending",
            [],
        ),
        (
            "e",
            "guest:匿名希望",
            "詳しくは私のブログへ https://example.com/blog 必ず儲かる方法も紹介中",
            None,
            "pending",
            ["link", "hold_word:必ず儲かる"],
        ),
        ("f", "guest:通りすがり", "今日の天気の話ですが、とても暑いですね。", None, "rejected", []),
        (
            "g",
            "guest:宣伝",
            "オンラインカジノで今すぐ遊べます",
            None,
            "spam",
            ["block_word:カジノ", "honeypot"],
        ),
        (
            "h",
            "guest:鈴木",
            "この件については前から言われていたことで、驚きはありません。",
            None,
            "removed",
            [],
        ),
        (
            "i",
            "guest:田中",
            "記事の二番目の要点は少し言い過ぎではないでしょうか。",
            None,
            "reported",
            [],
        ),
        (
            "j",
            "reader",
            "専門用語の説明がもう少しあると、初めて読む人にも分かりやすいと思います。",
            None,
            "pending",
            [],
        ),
        (
            "k",
            "reader",
            "関係ない話ですが、おすすめの本があれば教えてください。",
            None,
            "rejected",
            [],
        ),
    ],
    "en": [
        (
            "a",
            "guest:Alex",
            "Clear and well ordered. The timeline finally makes sense to me.",
            None,
            "approved",
            [],
        ),
        (
            "b",
            "reader",
            "Agreed, the key points section is the most useful part.",
            "a",
            "approved",
            [],
        ),
        (
            "c",
            "staff",
            "Thanks both. We will add an update when the vote happens.",
            "b",
            "approved",
            [],
        ),
        (
            "d",
            "guest:Sam",
            "How does this affect people renting rather than owning?",
            None,
            "pending",
            [],
        ),
        (
            "e",
            "guest:Deals",
            "Read more at https://example.com/offer for guaranteed returns!",
            None,
            "pending",
            ["link", "hold_word:guaranteed returns"],
        ),
        (
            "f",
            "guest:Wanderer",
            "Nothing to do with the article, but does anyone like cats?",
            None,
            "rejected",
            [],
        ),
        (
            "g",
            "guest:Promo",
            "Best casino bonus codes here today",
            None,
            "spam",
            ["block_word:casino", "too_fast"],
        ),
        (
            "h",
            "guest:Chris",
            "This was obvious from the start and the editors should have said so.",
            None,
            "removed",
            [],
        ),
        (
            "i",
            "guest:Jordan",
            "The second key point overstates what the source actually says.",
            None,
            "reported",
            [],
        ),
        (
            "j",
            "reader",
            "A short glossary of the technical terms would help first-time readers.",
            None,
            "pending",
            [],
        ),
        (
            "k",
            "reader",
            "Off topic, but can anyone recommend a good book this week?",
            None,
            "rejected",
            [],
        ),
    ],
}


def _author(spec, *, staff, reader):
    if spec.startswith("guest:"):
        name = spec.removeprefix("guest:")
        return {"guest_name": name, "guest_email": "demo-guest@example.com"}
    user = staff if spec == "staff" else reader
    if user is None:
        return {"guest_name": "Demo", "guest_email": "demo-guest@example.com"}
    return {"user": user, "badge": pipeline.author_badge(user) if spec == "staff" else ""}


@transaction.atomic
def load_demo_comments(explainers, users) -> int:
    """Give each explainer a thread in every state; returns how many comments were created."""
    users = list(users)
    staff = next((u for u in users if u.is_staff), None)
    reader = next((u for u in users if not u.is_staff), None)
    moderator = next((u for u in users if u.has_perm(MODERATE_PERMISSION)), None)
    for word, kind in WORDS:
        WordListEntry.objects.get_or_create(word=word, kind=kind)
    new_profile = None
    if reader is not None:
        # The demo reader's account page has something to show; a later run keeps their edits.
        # Notifications are switched on only after the demo decisions below (see the end),
        # so loading the demo sends no email.
        profile, created = ReaderProfile.objects.get_or_create(
            user=reader, defaults={"display_name": reader.get_full_name() or "Demo Reader"}
        )
        new_profile = profile if created else None

    created_count = 0
    for explainer in explainers:
        script = SCRIPTS["ja" if explainer.language == "ja" else "en"]
        by_key = {}
        for key, author, body, parent_key, state, reasons in script:
            existing = Comment.objects.filter(explainer=explainer, body=body).first()
            if existing is not None:
                by_key[key] = existing
                continue
            parent = by_key.get(parent_key)
            thread = parent.parent if parent is not None and parent.parent_id else parent
            start = Comment.Status.SPAM if state == "spam" else Comment.Status.PENDING
            fields = _author(author, staff=staff, reader=reader)
            if fields.get("badge") or state in {"approved", "removed", "reported"}:
                start = Comment.Status.APPROVED
            comment = Comment(
                explainer=explainer,
                guest_key=guest_key(fields.get("guest_email", "")),
                parent=thread,
                in_reply_to=parent if thread is not parent else None,
                body=body,
                status=start,
                hold_reasons=[]
                if start == Comment.Status.APPROVED
                else [*reasons] or [pipeline.PREMODERATION],
                **fields,
            )
            comment.full_clean()
            comment.save()
            counters.comment_visibility_changed(
                comment, was_visible=False, is_visible=counters.is_visible(comment.status)
            )
            created_count += 1
            by_key[key] = comment
            if state == "rejected":
                comment_reject(
                    comment=comment, actor=moderator, reason="off_topic", note="Demo decision."
                )
            elif state == "removed":
                comment_remove(comment=comment, actor=moderator, reason="abusive")
            elif state == "reported":
                for n in range(1, max(settings.COMMENTS_REPORT_THRESHOLD, 1) + 1):
                    comment_report(comment=comment, reason="off_topic", ip_address=f"192.0.2.{n}")
    if new_profile is not None:
        # Notifications are sent after commit and check the opt-in then, so the opt-in is
        # also switched on after commit, once those checks have run.
        transaction.on_commit(
            lambda: ReaderProfile.objects.filter(pk=new_profile.pk).update(
                notify_replies=True, notify_decisions=True
            )
        )
    return created_count
