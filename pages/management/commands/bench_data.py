"""Fill the database with a benchmark data set: explainers with every part, and comments.

    manage.py bench_data                                   # 1,000 explainers, 10,000 comments
    manage.py bench_data --explainers 100000 --comments 1000000   # the large set (PostgreSQL)

Text is generated Japanese and English (about 60/40, some of it mixed) from a small newsroom
vocabulary, so search has realistic matches. Each explainer has 3-5 key points, 2-3 detail
sections written in Markdown, 1-3 cited sources and 1-3 topics; most are published (over the
last three years), a few are drafts, in review, scheduled or archived.

Comments are skewed the way real traffic is: the most recently published explainer (the hot
page, still open for comments) holds a quarter of them, the rest follow Zipf's law over the
other published explainers. Most are approved, some pending, rejected, spam or removed; about
one in five is a reply (one level, `parent`) to an approved comment. Authors are guests and
signed-in bench readers.

Everything is bulk-inserted (bulk_create in batches, one transaction per batch), so the large
set takes minutes, not hours. Values that the site derives on write are derived here with the
same functions: `DetailSection.body_html` with `core.sanitize.markdown_to_html` (what
`DetailSection.save()` calls), `Comment.body_html` with `plain_text_to_html` (what
`Comment.save()` calls), and the explainer's search text, folded search columns, reading time
and search index exactly as `Explainer.refresh_derived()` computes them (through
`explainers.search`, a batch per statement). The comment counter columns, where the Explainer
model has them (`comment_count`, `comment_thread_count`), are filled by one UPDATE at the end.
No moderation log entries or notifications are written.

Refuses to run when the database already holds explainers, unless `--flush` (delete every
explainer, topic, source and comment first) or `--force` (add to them).
"""

import datetime
import html
import itertools
import math
import random
import re
import secrets
import time
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import strip_tags

from comments.models import Badge, Comment, ModerationAction, ReasonCode
from comments.privacy import guest_key, ip_hash
from core import text
from core.sanitize import markdown_to_html, plain_text_to_html
from explainers import search
from explainers.models import (
    CommentMode,
    DetailSection,
    Explainer,
    ExplainerSource,
    KeyPoint,
    Language,
    SourceArticle,
    Topic,
)
from readers.models import ReaderProfile

# Subject words: an explainer is about two or three of them, written among filler words, so
# a subject word is in a few per cent of the archive, as in news.
JA_SUBJECTS = (
    "政府", "経済", "物価", "半導体", "選挙", "円安", "金利", "日銀", "株価", "輸出", "観光",
    "地震", "防災", "原発", "電力", "再生可能エネルギー", "少子化", "年金", "医療", "介護",
    "教育", "大学", "雇用", "賃金", "物流", "自動車", "電気自動車", "蓄電池", "鉄道", "新幹線",
    "空港", "漁業", "農業", "コメ", "食品", "家計", "消費税", "予算", "国会", "首相", "外交",
    "防衛", "気候変動", "猛暑", "台風", "水害", "宇宙", "人工知能", "生成ＡＩ", "データセンター",
    "通信", "アニメ", "野球", "万博", "インバウンド", "マイナンバー", "自治体", "人口減少",
    "住宅", "投資", "新NISA", "銀行", "著作権", "規制",
)  # fmt: skip
JA_FILLER = (
    "今回", "今後", "一方", "多く", "状況", "動き", "関係", "方針", "情報", "結果", "数字",
    "時期", "可能性", "必要", "専門家", "関係者", "会見", "発表", "調査", "全国", "各地", "国内",
    "海外", "現場", "計画", "検討", "説明", "指摘", "懸念", "期待", "効果", "負担", "支援",
    "見直し", "判断", "動向", "傾向", "割合", "水準", "規模", "理由", "問題", "立場", "意見",
)  # fmt: skip
JA_GLUE = ("は", "が", "を", "に", "で", "と", "の", "も", "から", "について", "により")
JA_ENDS = ("ています。", "しました。", "と見られます。", "が課題です。", "が進みます。")
EN_SUBJECTS = (
    "government", "economy", "prices", "inflation", "semiconductor", "election", "yen", "rates",
    "bank", "shares", "exports", "tourism", "earthquake", "energy", "renewable", "nuclear",
    "power", "pensions", "health", "care", "schools", "jobs", "wages", "labour", "logistics",
    "cars", "electric", "batteries", "railway", "airport", "fishing", "farming", "rice", "food",
    "household", "tax", "budget", "parliament", "minister", "diplomacy", "defence", "security",
    "climate", "heatwave", "typhoon", "floods", "space", "artificial", "intelligence", "chips",
    "data", "telecoms", "anime", "baseball", "expo", "visitors", "digital", "housing",
    "investment", "savings", "copyright", "regulation", "trade", "tariffs", "shipping",
)  # fmt: skip
EN_FILLER = (
    "said", "officials", "year", "people", "report", "plan", "new", "more", "last", "first",
    "public", "cost", "time", "week", "month", "number", "large", "small", "local", "national",
    "group", "companies", "figures", "experts", "agency", "analysts", "rise", "fall", "plans",
    "measures", "support", "concerns", "expected", "official", "statement",
)  # fmt: skip
EN_GLUE = ("the", "a", "of", "in", "on", "for", "and", "with", "after", "as", "to", "from", "by")
JA_TITLES = (
    "{a}と{b}、何が変わるのか",
    "{a}をめぐる{b}の議論を読み解く",
    "なぜ今{a}なのか: {b}の背景",
    "{a}、{b}への影響は",
)
EN_TITLES = (
    "What the {a} {b} plan means",
    "Why {a} matters for {b}",
    "{a} and {b}: the background",
    "How {a} is changing {b}",
)
JA_HEADINGS = ("背景", "これまでの経緯", "何が問題か", "今後の見通し", "専門家の見方", "数字で見る")
EN_HEADINGS = (
    "Background",
    "How we got here",
    "What is at stake",
    "What comes next",
    "By the numbers",
)
PUBLISHERS = ("Reuters", "Kyodo News", "NHK World", "Associated Press", "Nikkei", "Asahi Shimbun")
TOPIC_NAMES = (
    "経済", "政治", "テクノロジー", "社会", "国際", "環境", "エネルギー", "科学", "医療", "教育",
    "文化", "スポーツ", "地方", "労働", "金融", "防災", "Economy", "Politics", "Technology",
    "Society", "World", "Climate", "Energy", "Science", "Health", "Education", "Culture", "Sport",
    "Business", "Markets",
)  # fmt: skip
GUEST_NAMES = (
    "山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "匿名希望",
    "通りすがり", "会社員", "学生", "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Kim", "Chris",
    "Robin", "Jamie", "Casey",
)  # fmt: skip
JA_COMMENT_OPENERS = (
    "要点が整理されていて分かりやすかったです。",
    "背景がよく分かりました。",
    "地方ではどのような影響があるのか気になります。",
    "数字の出典も知りたいと思いました。",
    "続報も読みたいです。",
    "この説明には少し疑問があります。",
)
EN_COMMENT_OPENERS = (
    "Clear explainer, thank you.",
    "This is the background I was missing.",
    "I am not sure the numbers add up here.",
    "Would like to read a follow-up on this.",
    "Useful summary of a complicated story.",
)

BATCH = 1000
BAR_WIDTH = 30
# Of the explainers: published unless the draw lands in one of these bands.
STATUS_BANDS = ((0.02, "draft"), (0.03, "review"), (0.04, "scheduled"), (0.05, "archived"))
# Of the comments: (top-level share, reply share) by status; replies are mostly approved.
TOP_STATUSES = (("approved", 0.85), ("pending", 0.08), ("rejected", 0.04), ("spam", 0.02))
REPLY_STATUSES = (("approved", 0.90), ("pending", 0.07), ("rejected", 0.03))
REPLY_SHARE = 0.2
# Replies only go to approved comments: keep this many candidates per explainer in memory.
PARENTS_KEPT = 200
HOT_SHARE = 0.25


class Progress:
    """A text progress bar on stderr: `[#####-----] 500/1000 explainers`."""

    def __init__(self, stream, total: int, label: str):
        self.stream, self.total, self.label = stream, max(total, 1), label
        self.done = 0
        self.started = time.monotonic()

    def add(self, count: int) -> None:
        self.done += count
        filled = BAR_WIDTH * min(self.done, self.total) // self.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r[{bar}] {self.done:,}/{self.total:,} {self.label} ({elapsed:.0f} s)")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


@contextmanager
def keep_given_times(model, *names):
    """bulk_create stamps auto_now_add fields with the current time; generated rows carry
    their own (comments written over days), so the stamp is switched off meanwhile."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


def zipf_allocation(total: int, count: int, cap: int) -> list[int]:
    """`total` items over `count` ranks in proportion to 1/rank (largest remainder), none
    above `cap`: what is cut off the top is shared out again among the ranks below."""
    if count <= 0 or total <= 0:
        return [0] * max(count, 0)
    allocation = [0] * count
    open_ranks = list(range(count))
    remaining = total
    while remaining > 0 and open_ranks:
        weights = [1 / (rank + 1) for rank in open_ranks]
        scale = remaining / sum(weights)
        shares = [w * scale for w in weights]
        whole = [math.floor(s) for s in shares]
        left = remaining - sum(whole)
        order = sorted(range(len(shares)), key=lambda i: shares[i] - whole[i], reverse=True)
        for i in order[:left]:
            whole[i] += 1
        remaining = 0
        still_open = []
        for rank, extra in zip(open_ranks, whole, strict=True):
            room = cap - allocation[rank]
            allocation[rank] += min(extra, room)
            remaining += max(extra - room, 0)
            if allocation[rank] < cap:
                still_open.append(rank)
        open_ranks = still_open
    return allocation


def weighted_choice(rng, table):
    draw, total = rng.random(), 0.0
    for value, share in table:
        total += share
        if draw < total:
            return value
    return "removed"


class Writer:
    """Mixed Japanese and English newsroom text, reproducible from the seed."""

    def __init__(self, rng):
        self.rng = rng
        self._slug_words = {}

    def subjects(self, language, count=3):
        return self.rng.sample(JA_SUBJECTS if language == "ja" else EN_SUBJECTS, count)

    def _words(self, filler, subjects, count):
        rng = self.rng
        return [
            rng.choice(subjects) if rng.random() < 0.3 else rng.choice(filler) for _ in range(count)
        ]

    def sentence(self, language, subjects):
        rng = self.rng
        if language == "ja":
            chosen = self._words(JA_FILLER, subjects, rng.randint(3, 6))
            body = "".join(word + rng.choice(JA_GLUE) for word in chosen[:-1]) + chosen[-1]
            return body + rng.choice(JA_ENDS)
        chosen = []
        for word in self._words(EN_FILLER, subjects, rng.randint(5, 9)):
            chosen += [word, rng.choice(EN_GLUE)]
        return " ".join(chosen[:-1]).capitalize() + "."

    def paragraph(self, language, subjects, sentences):
        parts = [self.sentence(language, subjects) for _ in range(sentences)]
        if self.rng.random() < 0.15:  # an English phrase in Japanese text, and back
            other = "en" if language == "ja" else "ja"
            parts.append(self.sentence(other, self.subjects(other, 2)))
        return ("" if language == "ja" else " ").join(parts)

    def title(self, language, subjects):
        template = self.rng.choice(JA_TITLES if language == "ja" else EN_TITLES)
        title = template.format(a=subjects[0], b=subjects[1])
        return title[0].upper() + title[1:]

    def slug(self, subjects, number):
        """Romanised subject words and the explainer's number: readable and unique."""
        parts = []
        for word in subjects[:2]:
            if word not in self._slug_words:
                self._slug_words[word] = text.slug_base(word, max_length=30) or "x"
            parts.append(self._slug_words[word])
        return f"{'-'.join(parts)}-{number}"

    def section_body(self, language, subjects, source):
        """Markdown as editors write it: paragraphs, bold, sometimes a list, link or quote."""
        rng = self.rng
        blocks = [
            self.paragraph(language, subjects, rng.randint(2, 4)) for _ in range(rng.randint(2, 3))
        ]
        blocks[0] = re.sub(
            re.escape(subjects[0]), lambda m: f"**{m.group(0)}**", blocks[0], count=1, flags=re.I
        )
        if rng.random() < 0.3:
            blocks.insert(1, "\n".join(f"- {self.sentence(language, subjects)}" for _ in range(3)))
        if rng.random() < 0.3:
            blocks.append(f"[{source.publisher}]({source.url})")
        if rng.random() < 0.15:
            blocks.append("> " + self.sentence(language, subjects))
        return "\n\n".join(blocks)

    def comment(self, language):
        rng = self.rng
        opener = rng.choice(JA_COMMENT_OPENERS if language == "ja" else EN_COMMENT_OPENERS)
        rest = [
            self.sentence(language, self.subjects(language, 2)) for _ in range(rng.randint(0, 3))
        ]
        paragraphs = [("" if language == "ja" else " ").join([opener, *rest])]
        if rng.random() < 0.2:
            paragraphs.append(self.sentence(language, self.subjects(language, 2)))
        return "\n\n".join(paragraphs)


class Command(BaseCommand):
    help = (
        "Generate a benchmark data set (explainers with all their parts, skewed comments). "
        "Refuses a database that already has explainers unless --flush or --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--explainers", type=int, default=1000)
        parser.add_argument("--comments", type=int, default=10_000)
        parser.add_argument("--topics", type=int, default=40)
        parser.add_argument(
            "--sources", type=int, default=None, help="Default: a quarter of --explainers."
        )
        parser.add_argument("--readers", type=int, default=None, help="Signed-in commenters.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch-size", type=int, default=BATCH)
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--flush",
            action="store_true",
            help="Delete every explainer, topic, source and comment (and its log) first.",
        )
        existing.add_argument(
            "--force", action="store_true", help="Add to the explainers already there."
        )

    def handle(self, *args, **options):
        self.rng = random.Random(options["seed"])
        self.writer = Writer(self.rng)
        self.batch = max(1, options["batch_size"])
        self.connection = connections["default"]
        self.now = timezone.now()
        explainers = max(0, options["explainers"])
        comments = max(0, options["comments"])
        topics = max(1, options["topics"])
        sources = options["sources"] or max(10, explainers // 4)
        readers = options["readers"]
        if readers is None:
            readers = min(2000, max(5, comments // 20))

        if Explainer.objects.exists():
            if options["flush"]:
                self.flush()
            elif not options["force"]:
                raise CommandError(
                    "This database already has explainers. Use --flush to delete them (and "
                    "their topics, sources and comments) first, or --force to add to them."
                )
        started = time.monotonic()
        self.run_tag = secrets.token_hex(4)  # keeps URLs and slugs of a --force run apart
        self.editor, self.moderator = self.staff()
        self.readers = self.bench_readers(readers)
        self.topics = self.make_topics(topics)
        self.sources = self.make_sources(sources)
        published = self.make_explainers(explainers)
        self.make_comments(published, comments)
        counters = self.fill_counters()
        if self.connection.vendor == "postgresql":
            # Statistics for the planner, and the visibility map index-only scans need: without
            # VACUUM a freshly loaded table makes them read the heap (the sitemap index took
            # 2.5 s on a just-loaded 100k set, 11 ms after).
            # (VACUUM cannot run inside a transaction, as in the tests: ANALYZE alone there.)
            with self.connection.cursor() as cursor:
                in_transaction = self.connection.in_atomic_block
                cursor.execute("ANALYZE" if in_transaction else "VACUUM ANALYZE")
        summary = (
            f"{explainers:,} explainers ({len(published):,} visible), {comments:,} comments, "
            f"{len(self.topics):,} topics, {len(self.sources):,} sources, "
            f"{len(self.readers):,} readers in {time.monotonic() - started:.0f} s"
        )
        if counters:
            summary += f"; counters filled: {', '.join(counters)}"
        self.stdout.write(self.style.SUCCESS(summary))

    # Existing data -----------------------------------------------------------------------

    def flush(self):
        self.stderr.write("Deleting existing explainers, topics, sources and comments…")
        with transaction.atomic():
            # The log refuses deletes through its own queryset (append-only); a benchmark
            # database is the one place it may go, through the plain base manager.
            ModerationAction._base_manager.filter(comment__isnull=False).delete()
            Comment.objects.all().delete()
            Explainer.objects.all().delete()
            SourceArticle.objects.all().delete()
            Topic.objects.all().delete()

    # People ------------------------------------------------------------------------------

    def staff(self):
        User = get_user_model()
        people = []
        for username, name, group in (
            ("bench-editor", "解説編集部 Bench Desk", "Editors"),
            ("bench-moderator", "Bench Moderator", "Moderators"),
        ):
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.com", "is_staff": True},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                ReaderProfile.objects.get_or_create(user=user, defaults={"display_name": name})
                group_row = Group.objects.filter(name=group).first()
                if group_row is not None:
                    user.groups.add(group_row)
            people.append(user)
        return people

    def bench_readers(self, count):
        User = get_user_model()
        names = [f"bench-reader-{n}" for n in range(count)]
        have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        missing = [name for name in names if name not in have]
        with transaction.atomic():
            for chunk in _chunks(missing, self.batch):
                users = User.objects.bulk_create(
                    User(username=name, email=f"{name}@example.com", password=make_password(None))
                    for name in chunk
                )
                ReaderProfile.objects.bulk_create(
                    ReaderProfile(
                        user_id=user.pk,
                        display_name=f"{self.rng.choice(GUEST_NAMES)} {user.pk}",
                    )
                    for user in users
                )
        return list(User.objects.filter(username__in=names).values_list("pk", flat=True))

    # Topics and sources ------------------------------------------------------------------

    def make_topics(self, count):
        names = [
            name if n < len(TOPIC_NAMES) else f"{name} {n // len(TOPIC_NAMES) + 1}"
            for n, name in zip(range(count), itertools.cycle(TOPIC_NAMES), strict=False)
        ]
        existing = {t.name: t for t in Topic.objects.filter(name__in=names)}
        taken = set(Topic.objects.values_list("slug", flat=True))
        new = []
        for name in names:
            if name in existing:
                continue
            base = text.slug_base(name, max_length=80) or "topic"
            slug = next(
                candidate
                for candidate in itertools.chain(
                    [base], (f"{base}-{n}" for n in itertools.count(2))
                )
                if candidate not in taken
            )
            taken.add(slug)
            new.append(Topic(name=name, slug=slug, description=f"Bench topic: {name}"))
        Topic.objects.bulk_create(new, batch_size=self.batch)
        # Explainer.refresh_derived reads topic names in the model's order (by name) as the
        # database collates them, which need not be Python's: take the order from the database.
        rows = list(Topic.objects.filter(name__in=names).order_by("name"))
        self.topic_rank = {topic.pk: rank for rank, topic in enumerate(rows)}
        return rows

    def make_sources(self, count):
        writer, rng = self.writer, self.rng
        rows = []
        for n in range(count):
            language = "ja" if rng.random() < 0.6 else "en"
            subjects = writer.subjects(language, 2)
            rows.append(
                SourceArticle(
                    title=writer.sentence(language, subjects)[:290],
                    url=f"https://news.example.com/{self.run_tag}/{n}",
                    publisher=PUBLISHERS[n % len(PUBLISHERS)],
                    published_on=(
                        self.now - datetime.timedelta(days=rng.randint(0, 3 * 365))
                    ).date(),
                    author=rng.choice(["", "", "Staff reporter", "共同通信 記者"]),
                    language=language,
                )
            )
        with transaction.atomic():
            return SourceArticle.objects.bulk_create(rows, batch_size=self.batch)

    # Explainers --------------------------------------------------------------------------

    def make_explainers(self, count):
        """Create explainers and their parts, with derived data; return the visible ones as
        (pk, language, first published, comments open) tuples, newest first."""
        progress = Progress(self.stderr, count, "explainers")
        visible = []
        number = (Explainer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for start in range(0, count, self.batch):
            size = min(self.batch, count - start)
            # The first explainer generated is the hot one: published two hours ago.
            built = [self.build_explainer(number + i, hot=start + i == 0) for i in range(size)]
            number += size
            self.avoid_slug_clashes(built)
            with transaction.atomic():
                created = Explainer.objects.bulk_create([b["explainer"] for b in built])
                points, sections, links, topic_links, documents = [], [], [], [], []
                for explainer, parts in zip(created, built, strict=True):
                    points += [
                        KeyPoint(explainer=explainer, text=point, position=p)
                        for p, point in enumerate(parts["key_points"], start=1)
                    ]
                    sections += [
                        DetailSection(
                            explainer=explainer, heading=h, body=b, body_html=h_, position=p
                        )
                        for p, (h, b, h_) in enumerate(parts["sections"], start=1)
                    ]
                    links += [
                        ExplainerSource(explainer=explainer, source=source, position=p)
                        for p, source in enumerate(parts["sources"], start=1)
                    ]
                    topic_links += [
                        Explainer.topics.through(explainer=explainer, topic=topic)
                        for topic in parts["topics"]
                    ]
                    documents.append((explainer.pk, parts["document"]))
                    if parts["visible"]:
                        visible.append(
                            (
                                explainer.pk,
                                explainer.language,
                                explainer.first_published_at,
                                explainer.comments_open,
                            )
                        )
                KeyPoint.objects.bulk_create(points, batch_size=self.batch)
                DetailSection.objects.bulk_create(sections, batch_size=self.batch)
                ExplainerSource.objects.bulk_create(links, batch_size=self.batch)
                Explainer.topics.through.objects.bulk_create(topic_links, batch_size=self.batch)
                search.index_documents(self.connection, Explainer._meta.db_table, documents)
            progress.add(size)
        progress.close()
        visible.sort(key=lambda row: (row[2], row[0]), reverse=True)
        return visible

    def avoid_slug_clashes(self, built):
        slugs = [b["explainer"].slug for b in built]
        taken = set(Explainer.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        for b in built:
            if b["explainer"].slug in taken:
                b["explainer"].slug = f"{b['explainer'].slug[:80]}-{self.run_tag}"

    def build_explainer(self, number, *, hot=False):
        rng, writer, now = self.rng, self.writer, self.now
        language = "ja" if rng.random() < 0.6 else "en"
        subjects = writer.subjects(language)
        title = writer.title(language, subjects)[:200]
        sources = rng.sample(self.sources, min(len(self.sources), rng.randint(1, 3)))
        topics = rng.sample(self.topics, min(len(self.topics), rng.randint(1, 3)))
        topics.sort(key=lambda topic: self.topic_rank[topic.pk])
        key_points = [writer.sentence(language, subjects)[:500] for _ in range(rng.randint(3, 5))]
        headings = rng.sample(JA_HEADINGS if language == "ja" else EN_HEADINGS, rng.randint(2, 3))
        sections = []
        for heading in headings:
            body = writer.section_body(language, subjects, rng.choice(sources))
            sections.append((heading, body, markdown_to_html(body)))
        introduction = writer.paragraph(language, subjects, rng.randint(2, 3))
        summary = writer.paragraph(language, subjects, rng.randint(1, 2))

        draw = 1.0 if hot else rng.random()
        status = next((s for limit, s in STATUS_BANDS if draw < limit), "published")
        if hot:
            publish_at = now - datetime.timedelta(hours=2)
        elif status == "scheduled":
            publish_at = now + datetime.timedelta(hours=rng.randint(1, 72))
        else:
            publish_at = now - datetime.timedelta(minutes=rng.randint(180, 3 * 365 * 24 * 60))
        first_published_at = publish_at if status in {"published", "archived"} else None
        if status in {"draft", "review"}:
            publish_at = None

        # What refresh_derived computes, from the same parts in the same order.
        document = search.Document(
            title=title,
            introduction=introduction,
            key_points=key_points,
            sections=[f"{h}\n{html.unescape(strip_tags(h_))}" for h, _b, h_ in sections],
            summary=summary,
            sources=[f"{source.title} ({source.publisher})" for source in sources],
            topics=[topic.name for topic in topics],
        )
        readable = "\n".join(
            [title, introduction, *document.key_points, *document.sections, summary]
        )
        explainer = Explainer(
            title=title,
            slug=writer.slug(subjects, number),
            language=language,
            introduction=introduction,
            summary=summary,
            byline=self.editor,
            status="published" if status == "scheduled" else status,
            publish_at=publish_at,
            first_published_at=first_published_at,
            comment_mode=(CommentMode.OPEN if hot or rng.random() > 0.05 else CommentMode.CLOSED),
            search_text=document.plain_text(),
            reading_minutes=text.reading_minutes(readable),
        )
        return {
            "explainer": explainer,
            "key_points": key_points,
            "sections": sections,
            "sources": sources,
            "topics": topics,
            "document": document,
            "visible": status == "published",
        }

    # Comments ----------------------------------------------------------------------------

    def make_comments(self, visible, total):
        if not visible or total <= 0:
            if total > 0:
                self.stderr.write("No published explainers: no comments generated.")
            return
        rng = self.rng
        hot = math.ceil(total * HOT_SHARE)
        others = visible[1:]
        ranked = list(range(len(others)))
        rng.shuffle(ranked)  # popularity is not age: Zipf ranks in random order
        shares = zipf_allocation(total - hot, len(others), cap=hot)
        # With only a few explainers the others cannot take the rest: the hot one does.
        per_explainer = [(visible[0], total - sum(shares))]
        per_explainer += [(others[i], shares[rank]) for rank, i in enumerate(ranked)]
        per_explainer = [(row, n) for row, n in per_explainer if n > 0]

        self.addresses = [ip_hash(f"198.51.{n // 250}.{n % 250 + 1}") for n in range(1000)]
        self.html_of = {}
        pools = {
            lang: [self.writer.comment(lang) for _ in range(min(total, 5000))]
            for lang in Language.values
        }
        self.pools = pools
        self.guest_counter = itertools.count(1)
        progress = Progress(self.stderr, total, "comments")
        parents = {}  # explainer pk → approved top-level (pk, created_at), at most PARENTS_KEPT
        replies_owed = []
        pending_rows = []

        def flush_top():
            with transaction.atomic(), keep_given_times(Comment, "created_at"):
                created = Comment.objects.bulk_create(pending_rows)
            for comment in created:
                if comment.status == "approved" and comment.parent_id is None:
                    kept = parents.setdefault(comment.explainer_id, [])
                    if len(kept) < PARENTS_KEPT:
                        kept.append((comment.pk, comment.created_at))
            progress.add(len(created))
            pending_rows.clear()

        for row, count in per_explainer:
            replies = round(count * REPLY_SHARE) if count > 1 else 0
            for _ in range(count - replies):
                pending_rows.append(self.build_comment(row, parent=None))
                if len(pending_rows) >= self.batch:
                    flush_top()
            if replies:
                replies_owed.append((row, replies))
        if pending_rows:
            flush_top()

        for row, replies in replies_owed:
            candidates = parents.get(row[0])
            for _ in range(replies):
                if candidates:
                    parent = rng.choice(candidates)
                    pending_rows.append(self.build_comment(row, parent=parent))
                else:  # no approved comment to answer: a top-level one instead
                    pending_rows.append(self.build_comment(row, parent=None))
                if len(pending_rows) >= self.batch:
                    flush_top()
        if pending_rows:
            flush_top()
        progress.close()

    def comment_time(self, row, after=None):
        """A time while comments were open (a month from publication), before now."""
        rng = self.rng
        start = after or row[2]
        end = min(self.now, row[2] + datetime.timedelta(days=30))
        if end <= start:
            return start + datetime.timedelta(seconds=1) if after else start
        span = (end - start).total_seconds()
        # Most comments come soon after publication (or after the comment they answer).
        return start + datetime.timedelta(seconds=span * rng.random() ** 3)

    def build_comment(self, row, *, parent):
        rng = self.rng
        pk, language, _first_published, _open = row
        status = weighted_choice(rng, REPLY_STATUSES if parent else TOP_STATUSES)
        created_at = self.comment_time(row, after=parent[1] if parent else None)
        body = rng.choice(self.pools[language])
        if body not in self.html_of:
            # As Comment.save() derives them (bulk_create does not call it).
            self.html_of[body] = (plain_text_to_html(text.clean_text(body)), text.language_of(body))
        comment = Comment(
            explainer_id=pk,
            parent_id=parent[0] if parent else None,
            body=body,
            body_html=self.html_of[body][0],
            language=self.html_of[body][1],
            status=status,
            hold_reasons=[] if status == "approved" else ["premoderation"],
            ip_hash=rng.choice(self.addresses),
            created_at=created_at,
        )
        if status == "spam":
            comment.hold_reasons = ["honeypot", "premoderation"]
        draw = rng.random()
        if draw < 0.01:
            comment.user_id = self.editor.pk
            comment.badge = Badge.EDITOR
            comment.status, comment.hold_reasons = "approved", []
        elif draw < 0.3 and self.readers:
            comment.user_id = rng.choice(self.readers)
        else:
            n = next(self.guest_counter)
            comment.guest_name = rng.choice(GUEST_NAMES)
            comment.guest_email = f"guest{n}@example.com"
            comment.guest_key = guest_key(comment.guest_email)
        if comment.status in {"approved", "rejected", "removed"} and not comment.badge:
            comment.moderated_by_id = self.moderator.pk
            comment.moderated_at = min(
                self.now, created_at + datetime.timedelta(minutes=rng.randint(1, 240))
            )
        if comment.status in {"rejected", "removed"}:
            comment.rejection_reason = rng.choice([ReasonCode.OFF_TOPIC, ReasonCode.ABUSIVE])
        return comment

    # Counters ----------------------------------------------------------------------------

    def fill_counters(self):
        """Fill whichever comment counter columns the Explainer model has, in one UPDATE:
        `comment_count` (comments readers may see) and `comment_thread_count` (visible
        top-level ones)."""
        fields = {field.name for field in Explainer._meta.concrete_fields}
        visible = Comment.objects.visible().filter(explainer_id=OuterRef("pk")).order_by()
        counts = {
            "comment_count": visible,
            "comment_thread_count": visible.filter(parent__isnull=True),
        }
        updates = {
            name: Coalesce(
                Subquery(
                    rows.values("explainer_id").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            )
            for name, rows in counts.items()
            if name in fields
        }
        if updates:
            with transaction.atomic():
                Explainer.objects.update(**updates)
        return sorted(updates)


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]
