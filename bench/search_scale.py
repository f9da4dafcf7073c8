"""How search scales on PostgreSQL: the search page at 1,000 and 100,000 published explainers.

    .venv/bin/python bench/search_scale.py            # 1,000 then 100,000 (a few minutes)
    .venv/bin/python bench/search_scale.py --sizes 1000 --runs 20

Makes a fresh database (BENCH_DATABASE, default kaisetsu_search_bench, on BENCH_PG, default
postgres://postgres@127.0.0.1:5432), migrates it, bulk-creates explainers of mixed Japanese and
English text with key points, a cited source and a topic, and fills the search index through
`explainers.search` (the code `refresh_derived` uses, without a query per explainer). It then
times the whole search page in-process (Django's test Client: URL routing, middleware, view,
template), `--runs` times per query after a warm-up, and prints p50/p95, the number of matches,
and EXPLAIN (ANALYZE, BUFFERS) of the page's search query.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "kaisetsu_search_bench")
os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

# Each explainer is about three subject words (so a subject word is in a few per cent of the
# archive, as in news) written among everyday filler words.
JA_WORDS = [
    "政府",
    "経済",
    "物価",
    "半導体",
    "選挙",
    "円安",
    "金利",
    "日銀",
    "株価",
    "輸出",
    "観光",
    "地震",
    "防災",
    "原発",
    "電力",
    "再生可能エネルギー",
    "少子化",
    "年金",
    "医療",
    "介護",
    "教育",
    "大学",
    "雇用",
    "賃金",
    "労働",
    "物流",
    "自動車",
    "電気自動車",
    "蓄電池",
    "鉄道",
    "新幹線",
    "空港",
    "漁業",
    "農業",
    "コメ",
    "小麦",
    "食品",
    "価格",
    "家計",
    "消費税",
    "予算",
    "国会",
    "首相",
    "外交",
    "中国",
    "米国",
    "欧州",
    "台湾",
    "韓国",
    "防衛",
    "安全保障",
    "気候変動",
    "温暖化",
    "猛暑",
    "台風",
    "水害",
    "火山",
    "宇宙",
    "探査機",
    "人工知能",
    "生成ＡＩ",
    "データセンター",
    "通信",
    "スマートフォン",
    "ゲーム",
    "アニメ",
    "映画",
    "音楽",
    "スポーツ",
    "野球",
    "サッカー",
    "五輪",
    "万博",
    "インバウンド",
    "マイナンバー",
    "デジタル",
    "行政",
    "自治体",
    "人口減少",
    "地方",
    "都市",
    "住宅",
    "家賃",
    "建設",
    "工場",
    "投資",
    "新NISA",
    "銀行",
    "収益化",
    "広告",
    "配信",
    "メディア",
    "著作権",
    "訴訟",
    "規制",
    "制度",
    "改革",
    "見通し",
    "課題",
    "影響",
    "背景",
    "対策",
    "議論",
]
JA_FILLER = [
    "今回",
    "今後",
    "一方",
    "多く",
    "状況",
    "動き",
    "関係",
    "方針",
    "情報",
    "結果",
    "数字",
    "時期",
    "可能性",
    "必要",
    "専門家",
    "関係者",
    "担当者",
    "会見",
    "発表",
    "調査",
    "全国",
    "各地",
    "国内",
    "海外",
    "現場",
    "計画",
    "検討",
    "説明",
    "指摘",
    "懸念",
    "期待",
    "効果",
    "負担",
    "支援",
    "見直し",
    "判断",
    "動向",
    "傾向",
    "割合",
    "水準",
    "規模",
    "理由",
    "問題",
    "立場",
    "意見",
]
JA_GLUE = ["は", "が", "を", "に", "で", "と", "の", "も", "から", "まで", "について", "により"]
JA_ENDS = ["ています。", "しました。", "と見られます。", "が課題です。", "が進みます。"]
EN_WORDS = [
    "government",
    "economy",
    "prices",
    "inflation",
    "semiconductor",
    "election",
    "yen",
    "rates",
    "central",
    "bank",
    "shares",
    "exports",
    "tourism",
    "earthquake",
    "energy",
    "renewable",
    "nuclear",
    "power",
    "birth",
    "rate",
    "pensions",
    "health",
    "care",
    "schools",
    "universities",
    "jobs",
    "wages",
    "labour",
    "logistics",
    "cars",
    "electric",
    "batteries",
    "railway",
    "airport",
    "fishing",
    "farming",
    "rice",
    "wheat",
    "food",
    "household",
    "tax",
    "budget",
    "parliament",
    "minister",
    "diplomacy",
    "china",
    "europe",
    "taiwan",
    "korea",
    "defence",
    "security",
    "climate",
    "warming",
    "heatwave",
    "typhoon",
    "floods",
    "volcano",
    "space",
    "probe",
    "artificial",
    "intelligence",
    "chips",
    "data",
    "centre",
    "telecoms",
    "smartphone",
    "games",
    "anime",
    "film",
    "music",
    "sport",
    "baseball",
    "football",
    "olympics",
    "expo",
    "visitors",
    "digital",
    "services",
    "local",
    "cities",
    "housing",
    "rent",
    "construction",
    "factory",
    "investment",
    "savings",
    "advertising",
    "streaming",
    "media",
    "copyright",
    "lawsuit",
    "regulation",
    "reform",
    "outlook",
    "challenge",
    "impact",
    "background",
    "response",
    "debate",
    "trade",
    "tariffs",
    "shipping",
    "ports",
    "insurance",
    "startups",
    "venture",
    "robots",
    "drones",
    "satellites",
    "vaccines",
    "hospitals",
]
EN_FILLER = [
    "said",
    "officials",
    "year",
    "people",
    "report",
    "plan",
    "new",
    "more",
    "last",
    "first",
    "public",
    "cost",
    "costs",
    "time",
    "week",
    "month",
    "number",
    "large",
    "small",
    "local",
    "national",
    "group",
    "companies",
    "data",
    "figures",
    "experts",
    "agency",
    "analysts",
    "rise",
    "fall",
    "plans",
    "measures",
    "support",
    "concerns",
    "expected",
    "official",
    "statement",
]
EN_GLUE = ["the", "a", "of", "in", "on", "for", "and", "with", "after", "as", "to", "from", "by"]
PUBLISHERS = ["Reuters", "Kyodo News", "NHK World", "Associated Press", "Nikkei", "BBC News"]
TOPICS = ["経済", "政治", "テクノロジー", "社会", "国際", "Economy", "Technology", "World"]
QUERIES = [("Japanese", "半導体"), ("English", "semiconductor"), ("Japanese, common", "経済")]
QUERIES += [("English, common", "government"), ("publisher", "Reuters")]
QUERIES += [("two English terms", "energy prices")]


def words(rng, vocabulary, subjects, count):
    return [
        rng.choice(subjects) if rng.random() < 0.3 else rng.choice(vocabulary) for _ in range(count)
    ]


def ja_sentence(rng, subjects):
    chosen = words(rng, JA_FILLER, subjects, rng.randint(3, 6))
    body = "".join(word + rng.choice(JA_GLUE) for word in chosen[:-1]) + chosen[-1]
    return body + rng.choice(JA_ENDS)


def en_sentence(rng, subjects):
    chosen = []
    for word in words(rng, EN_FILLER, subjects, rng.randint(5, 9)):
        chosen += [word, rng.choice(EN_GLUE)]
    return " ".join(chosen[:-1]).capitalize() + "."


def make_text(rng, language, sentences, subjects):
    make = ja_sentence if language == "ja" else en_sentence
    text = [make(rng, subjects) for _ in range(sentences)]
    if rng.random() < 0.15:  # some mixed text: an English phrase in Japanese, and back
        other, pool = (en_sentence, EN_WORDS) if language == "ja" else (ja_sentence, JA_WORDS)
        text.append(other(rng, rng.sample(pool, 2)))
    return ("" if language == "ja" else " ").join(text)


def create_database():
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def populate(start, count, rng):
    from django.db import connection, transaction
    from django.utils import timezone

    from explainers import search
    from explainers.models import Explainer, ExplainerSource, KeyPoint, SourceArticle, Topic

    topics = {t.name: t for t in Topic.objects.all()}
    for name in TOPICS:
        if name not in topics:
            topics[name] = Topic.objects.create(name=name, slug=f"t{len(topics)}")
    sources = list(SourceArticle.objects.all())
    if not sources:
        sources = SourceArticle.objects.bulk_create(
            SourceArticle(
                title=make_text(
                    rng, "en" if n % 2 else "ja", 1, rng.sample(EN_WORDS if n % 2 else JA_WORDS, 2)
                )[:290],
                url=f"https://news.example.com/{n}",
                publisher=PUBLISHERS[n % len(PUBLISHERS)],
                published_on=datetime.date(2026, 1, 1),
                language="en" if n % 2 else "ja",
            )
            for n in range(500)
        )
    now = timezone.now()
    batch = 2000
    for offset in range(start, start + count, batch):
        rows, documents, points, links, topic_links = [], [], [], [], []
        for n in range(offset, min(offset + batch, start + count)):
            language = "ja" if rng.random() < 0.6 else "en"
            subjects = rng.sample(JA_WORDS if language == "ja" else EN_WORDS, 3)

            def write(sentences, language=language, subjects=subjects):
                return make_text(rng, language, sentences, subjects)

            title = write(1)[:190]
            key_points = [write(1)[:490] for _ in range(2)]
            source = rng.choice(sources)
            topic = topics[rng.choice(TOPICS)]
            document = search.Document(
                title=title,
                introduction=write(3),
                key_points=key_points,
                sections=[write(6) for _ in range(2)],
                summary=write(2),
                sources=[f"{source.title} ({source.publisher})"],
                topics=[topic.name],
            )
            published = now - datetime.timedelta(minutes=rng.randint(60, 5 * 365 * 24 * 60))
            rows.append(
                Explainer(
                    title=title,
                    slug=f"bench-{n}",
                    language=language,
                    introduction=document.introduction,
                    summary=document.summary,
                    status=Explainer.Status.PUBLISHED,
                    publish_at=published,
                    first_published_at=published,
                    search_text=document.plain_text(),
                    reading_minutes=2,
                )
            )
            documents.append((document, source, topic))
        with transaction.atomic():
            created = Explainer.objects.bulk_create(rows)
            for explainer, (document, source, topic) in zip(created, documents, strict=True):
                points += [
                    KeyPoint(explainer=explainer, text=point, position=p)
                    for p, point in enumerate(document.key_points, start=1)
                ]
                links.append(ExplainerSource(explainer=explainer, source=source, position=1))
                topic_links.append(Explainer.topics.through(explainer=explainer, topic=topic))
            KeyPoint.objects.bulk_create(points)
            ExplainerSource.objects.bulk_create(links)
            Explainer.topics.through.objects.bulk_create(topic_links)
            search.index_documents(
                connection,
                Explainer._meta.db_table,
                [(e.pk, d) for e, (d, _s, _t) in zip(created, documents, strict=True)],
            )
        print(f"\r  {min(offset + batch, start + count):>7} explainers", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(size, runs):
    from django.conf import settings
    from django.test import Client, override_settings
    from django.urls import reverse

    from explainers.models import Explainer
    from pages.views import PAGE_SIZE, listed

    # As the tests do: plain static storage, since no collectstatic manifest exists here.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override = override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static})
    override.enable()
    client = Client()
    url = reverse("explainers:search")
    print(f"\n== {size:,} published explainers: search page, {runs} runs each ==")
    for label, query in QUERIES:
        for _ in range(3):
            assert client.get(url, {"q": query}).status_code == 200
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, {"q": query})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        matches = Explainer.objects.published().search(query).count()
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"  {label:<18} {query!r:<16} matches {matches:>6}   "
            f"p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms"
        )
    for _label, query in QUERIES[:2]:
        # The page ranks, then reads what it shows for its rows only (pages.views.SearchView).
        ranked = Explainer.objects.published().search(query).values_list("pk", flat=True)
        ids = list(ranked[: PAGE_SIZE + 1])
        print(f"\n-- EXPLAIN (ANALYZE, BUFFERS) of the page's ranking query for {query!r}:")
        print(ranked[: PAGE_SIZE + 1].explain(analyze=True, buffers=True))
        shown = listed(Explainer.objects.filter(pk__in=ids[:PAGE_SIZE]))
        print("\n-- ...and of the query for the rows it shows:")
        print(shown.explain(analyze=True, buffers=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--measure-only", action="store_true", help="Time the database as the last run left it."
    )
    args = parser.parse_args()

    if not args.measure_only:
        create_database()
    import django
    from django.core.management import call_command

    django.setup()
    if args.measure_only:
        from explainers.models import Explainer

        measure(Explainer.objects.count(), args.runs)
        return
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    have = 0
    for size in sorted(args.sizes):
        started = time.perf_counter()
        print(f"Creating explainers {have + 1:,}–{size:,}…")
        populate(have, size - have, rng)
        print(f"  done in {time.perf_counter() - started:.0f} s")
        have = size
        measure(size, args.runs)


if __name__ == "__main__":
    main()
