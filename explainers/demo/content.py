"""The demo newsroom's content, as data. Every story, publisher and address here is invented.

The loader (`explainers/management/commands/load_demo.py`) turns this into rows. Times are
relative to the moment of loading (`days` before now, or after it for the scheduled one), so the
site always looks current; slugs, addresses and usernames are the keys that make loading twice
give the same rows.

Publishers are fictional and addresses live on example.com / example.jp, which are reserved for
documentation and never resolve to a real newsroom.
"""

import datetime

DEMO_SHIMBUN = "Kaisetsu Demo Shimbun"
EXAMPLE_TIMES = "Example Times"

# State of each explainer after loading.
PUBLISHED = "published"
SCHEDULED = "scheduled"
DRAFT = "draft"

TOPICS = [
    {
        "slug": "keizai",
        "name": "経済",
        "description": "お金、物価、仕事と暮らしのコストに関わるニュース。",
    },
    {"slug": "economy", "name": "Economy", "description": "Money, prices, jobs and trade."},
    {"slug": "enerugi", "name": "エネルギー", "description": "電気、燃料、送電網のニュース。"},
    {"slug": "energy", "name": "Energy", "description": "Power, fuel and the grid."},
    {"slug": "kagaku", "name": "科学", "description": "研究や技術が社会をどう変えるか。"},
    {
        "slug": "science",
        "name": "Science",
        "description": "Research and what it means for everyday life.",
    },
    {"slug": "kotsu", "name": "交通", "description": "鉄道、バス、道路と移動のニュース。"},
    {
        "slug": "transport",
        "name": "Transport",
        "description": "Trains, buses, roads and how we get around.",
    },
]

SOURCES = {
    "wind-ja": {
        "url": "https://news.example.jp/demo-shimbun/2026/11/minato-wind-tram",
        "title": "みなと市、洋上風力の電気で路面電車を運行へ　2028年春から",
        "publisher": DEMO_SHIMBUN,
        "author": "デモ報道部",
        "language": "ja",
        "days_ago": 5,
    },
    "wind-en": {
        "url": "https://www.example.com/times/2026/11/harbour-city-trams-offshore-wind",
        "title": "Harbour city to run its trams on offshore wind",
        "publisher": EXAMPLE_TIMES,
        "author": "A. N. Example",
        "language": "en",
        "days_ago": 4,
    },
    "rice-ja": {
        "url": "https://news.example.jp/demo-shimbun/2026/11/paddy-methane-credit",
        "title": "水田の「中干し」延長でメタン削減、農家に収入　実証に120戸が参加",
        "publisher": DEMO_SHIMBUN,
        "author": "",
        "language": "ja",
        "days_ago": 8,
    },
    "rice-en": {
        "url": "https://www.example.com/times/2026/11/rice-paddies-methane-credits",
        "title": "Rice farmers paid to let their paddies dry out for longer",
        "publisher": EXAMPLE_TIMES,
        "author": "J. Q. Sample",
        "language": "en",
        "days_ago": 7,
    },
    "lunch-ja": {
        "url": "https://news.example.jp/demo-shimbun/2026/11/school-lunch-free",
        "title": "小中学校の給食費、市が全額負担へ　財源は基金の取り崩し",
        "publisher": DEMO_SHIMBUN,
        "author": "",
        "language": "ja",
        "days_ago": 2,
    },
    "train-en": {
        "url": "https://www.example.com/times/2026/11/overnight-train-trial",
        "title": "Overnight train trial to link two regional cities",
        "publisher": EXAMPLE_TIMES,
        "author": "",
        "language": "en",
        "days_ago": 1,
    },
}

# The figure is drawn at load time (see load_demo.draw_figure); this is where it is stored.
WIND_FIGURE_NAME = "figures/demo/minato-wind-tram-chart.png"
# The seed explainer's lead image, drawn the same way (load_demo.draw_lead_image).
WIND_LEAD_IMAGE = {
    "name": "lead/demo/minato-wind-tram.png",
    "alt": "沖合に並ぶ洋上風車と、海沿いの線路を走る路面電車のイラスト。",
    "caption": "洋上風力の電気で走る路面電車のイメージ",
    "credit": "イラスト：Kaisetsu 編集部作成",
}

EXPLAINERS = [
    {
        "slug": "minato-romen-densha-yojo-furyoku",
        "title": "みなと市が洋上風力の電気で路面電車を走らせる理由",
        "language": "ja",
        "state": PUBLISHED,
        "offset": datetime.timedelta(days=-2),
        "topics": ["enerugi", "kotsu", "keizai"],
        "sources": ["wind-ja", "wind-en"],
        "lead_image": WIND_LEAD_IMAGE,
        "introduction": (
            "海に囲まれた日本では、沖合に風車を並べる「洋上風力発電」が次の主力電源として"
            "期待されています。ただ、つくった電気を地域の中でどう使うのかは、あまり話題に"
            "なりません。\n\n"
            "本稿では、架空の地方紙「Kaisetsu Demo Shimbun」が報じた港町・みなと市の計画を"
            "題材に、地元の風でつくった電気を地元の路面電車に使うという発想の狙いと、"
            "乗り越えるべき課題を整理します。"
        ),
        "key_points": [
            "みなと市は、沖合の洋上風力発電所の電気で市内の路面電車全線を動かす計画を発表しました。",
            "発電事業者から電気を直接買う20年の長期契約を結び、電気料金の値上がりに備える狙いがあります。",
            "風が弱い時間に備えて車庫に大型の蓄電池を置き、足りない分は通常の電力網から買います。",
            "市は電気代が年に約1割下がると試算していますが、蓄電池の費用は国の補助金が頼りです。",
            "予定どおりなら2028年春に切り替わり、沿岸部のほかの都市の手本になる可能性があります。",
        ],
        "sections": [
            {
                "heading": "前提補足：洋上風力発電とは",
                "body": (
                    "洋上風力発電は、海の上に風車を建てて発電する方法です。陸の上に比べて"
                    "**風が強く、安定しやすい**ことや、騒音や景観の問題が起きにくいことが"
                    "利点とされます。\n\n"
                    "一方で、海底に基礎を築く工事や送電ケーブルを敷く費用がかさみ、台風や"
                    "塩害への備えも欠かせません。"
                ),
            },
            {
                "heading": "なぜ路面電車なのか",
                "body": (
                    "路面電車は決まった路線を決まった時刻に走るため、**一日の電気の使い方が"
                    "読みやすい**乗り物です。発電量の予測と組み合わせれば、電気を無駄なく使う"
                    "計画を立てやすくなります。\n\n"
                    "記事によると、市の担当者は理由として次の3点を挙げています。\n\n"
                    "1. 市が運営する交通機関なので、契約の判断を市が自ら下せる\n"
                    "2. 車庫が港に近く、送電の距離が短い\n"
                    "3. 「地元の風で走る電車」として住民に分かりやすく伝えられる"
                ),
            },
            {
                "heading": "図：一日の発電量と電車の消費量",
                "body": (
                    "下の図は、風の強さが平均的な一日を想定し、時間帯ごとの発電量（青）と"
                    "路面電車の消費量（橙）を比べたイメージです。数値は説明のための架空の"
                    "ものです。\n\n"
                    "朝と夕方のラッシュ時には消費が発電を上回り、昼間と夜間には電気が余ります。"
                    "余った電気を蓄電池にため、ラッシュ時に使うのが計画の骨格です。"
                ),
                "figure": {
                    "name": WIND_FIGURE_NAME,
                    "alt": (
                        "時間帯ごとの棒グラフ。青い棒の発電量は一日を通じてほぼ一定で、"
                        "橙の棒の消費量は朝と夕方に高く、昼と深夜は低い。"
                    ),
                    "caption": "一日の発電量と路面電車の消費量（架空のデータによるイメージ）",
                    "credit": "図：Kaisetsu 編集部作成",
                },
            },
            {
                "heading": "費用と課題",
                "body": (
                    "最大の課題は蓄電池の費用です。市は国の脱炭素向け補助金で費用の半分を"
                    "まかなう想定ですが、採択はまだ決まっていません。\n\n"
                    "また、発電事業者との契約は20年と長く、その間に電気の市場価格が大きく"
                    "下がれば、市は割高な電気を買い続けることになります。記事は、地元の経済"
                    "団体から「価格を見直す条項が必要だ」という声が出ていると伝えています。\n\n"
                    "> 長期契約は、価格が上がる局面では盾になり、下がる局面では足かせになる。\n\n"
                    "これは長期契約に共通する性質で、どちらに転ぶかは前もって分かりません。"
                ),
            },
            {
                "heading": "ほかの地域への広がり",
                "body": (
                    "沿岸部に路面電車やバスの車庫を持つ都市は少なくありません。みなと市の"
                    "試みがうまくいけば、「**地元の電気を地元の交通に**」という組み合わせが"
                    "広がるきっかけになるかもしれません。\n\n"
                    "同じ計画は、英字紙の [Example Times]"
                    "(https://www.example.com/times/2026/11/harbour-city-trams-offshore-wind)"
                    " も取り上げています。"
                ),
            },
        ],
        "summary": (
            "みなと市の計画は、洋上風力の電気を路面電車という読みやすい需要に結びつけ、"
            "料金の安定と地域への分かりやすさを同時に狙うものです。\n\n"
            "一方で、蓄電池の費用や長期契約の価格リスクといった課題も残ります。2028年春の"
            "切り替えに向けて、補助金の行方と契約の中身に注目が集まりそうです。"
        ),
    },
    {
        "slug": "harbour-city-trams-offshore-wind",
        "title": "Why a harbour city wants its trams to run on offshore wind",
        "language": "en",
        "state": PUBLISHED,
        "offset": datetime.timedelta(days=-1, hours=-20),
        "topics": ["energy", "transport"],
        "sources": ["wind-en", "wind-ja"],
        "introduction": (
            "Offshore wind is usually discussed in gigawatts and national targets. The "
            "fictional port city of Minato, as reported by the Example Times, is trying "
            "something smaller and easier to picture: buying power straight from a wind farm "
            "off its own coast to run the city's trams.\n\n"
            "This explainer walks through how the deal is meant to work, why trams suit wind "
            "power, and what could still go wrong."
        ),
        "key_points": [
            "Minato plans to power its whole tram network with electricity bought directly "
            "from an offshore wind farm.",
            "A 20-year fixed-price contract shields the city from price spikes but could "
            "leave it overpaying if prices fall.",
            "A battery at the tram depot stores surplus midday power for the morning and "
            "evening rush.",
            "The switch is planned for spring 2028 and depends on a national grant that has "
            "not yet been awarded.",
        ],
        "sections": [
            {
                "heading": "How the deal works",
                "body": (
                    "Instead of buying from a retail supplier, the city signs a **power "
                    "purchase agreement** with the wind farm's operator. The wind farm feeds "
                    "the grid, and the contract matches what the trams use against what the "
                    "turbines produce.\n\n"
                    "When the wind drops, the city tops up from the ordinary grid at market "
                    "prices."
                ),
            },
            {
                "heading": "Why trams suit wind power",
                "body": (
                    "Trams run to a timetable, so their demand is predictable hour by hour. "
                    "That makes it easier to plan when to charge the battery and when to "
                    "draw from it:\n\n"
                    "- **Midday and night:** the turbines usually produce more than the trams "
                    "need, so the battery charges.\n"
                    "- **Rush hours:** the trams need more than the turbines produce, so the "
                    "battery discharges."
                ),
            },
            {
                "heading": "The risks",
                "body": (
                    "The battery is the most expensive part, and about half of its cost is "
                    "expected to come from a national decarbonisation grant. Local business "
                    "groups quoted by the paper also want a clause to renegotiate the price "
                    "if wholesale electricity becomes much cheaper.\n\n"
                    "A Japanese-language report in the *Kaisetsu Demo Shimbun* covers the same "
                    "plan with more detail on the city's cost estimates."
                ),
            },
        ],
        "summary": (
            "Minato's plan pairs a steady, predictable customer with a variable source of "
            "power, and uses a battery to bridge the gap. Whether it becomes a model for other "
            "coastal cities depends on the grant decision and on how a long contract ages."
        ),
    },
    {
        "slug": "suiden-nakaboshi-metan-sakugen",
        "title": "水田の「中干し」を延ばすと、なぜ温室効果ガスが減るのか",
        "language": "ja",
        "state": PUBLISHED,
        "offset": datetime.timedelta(days=-4),
        "topics": ["kagaku", "keizai"],
        "sources": ["rice-ja", "rice-en"],
        "introduction": (
            "稲作は、温室効果ガスの一つであるメタンの発生源でもあります。水を張った田んぼの"
            "土の中で、酸素を嫌う微生物がメタンをつくるためです。\n\n"
            "本稿では、Kaisetsu Demo Shimbun が伝えた、田んぼの水を抜く「中干し」の期間を"
            "延ばして排出を減らし、減らした分を売って農家の収入にする取り組みについて、"
            "仕組みと注意点を解説します。"
        ),
        "key_points": [
            "田んぼの水を一時的に抜く「中干し」を1週間ほど長くすると、メタンの発生が減るとされています。",
            "実証に参加した農家は、減らした排出量を「クレジット」として企業に売り、収入を得ます。",
            "干しすぎると稲の育ちや収穫量に響くため、地域ごとの見極めが欠かせません。",
            "削減量をどう測り、誰が確かめるかが、クレジットの信頼性を左右します。",
        ],
        "sections": [
            {
                "heading": "前提補足：メタンと田んぼの関係",
                "body": (
                    "メタンは、二酸化炭素よりも温室効果が強いガスです。水を張った田んぼでは"
                    "土の中が酸素の少ない状態になり、そこで働く微生物がメタンを出します。\n\n"
                    "水を抜いて土に空気が入ると、こうした微生物の働きが弱まります。"
                ),
            },
            {
                "heading": "クレジットの仕組み",
                "body": (
                    "企業は、自社で減らしきれない排出の埋め合わせとして、ほかの場所で"
                    "減らした量を買うことがあります。これが**クレジット**です。\n\n"
                    "記事によると、今回の実証では次の流れで取引されます。\n\n"
                    "1. 農家が中干しの開始日と終了日を記録する\n"
                    "2. 事務局が記録と衛星画像を照らし合わせる\n"
                    "3. 確認できた削減量をまとめて企業に販売する"
                ),
            },
            {
                "heading": "注意点",
                "body": (
                    "中干しは長ければ長いほどよい、というわけではありません。稲が水を"
                    "必要とする時期に干しすぎると、実が十分に育たないおそれがあります。\n\n"
                    "また、削減量の多くは計算による推定です。推定の前提が甘ければ、実際には"
                    "減っていない排出をクレジットとして売ることになりかねません。"
                ),
            },
        ],
        "summary": (
            "中干しの延長は、新しい設備がほとんど要らない削減策で、クレジットという形で"
            "農家の収入にもつながります。\n\n"
            "一方で、収穫への影響と削減量の確かめ方という二つの課題があり、実証の結果が"
            "今後の広がりを決めることになりそうです。"
        ),
    },
    {
        "slug": "rice-paddies-methane-credits",
        "title": "Paying rice farmers to drain their fields: how methane credits work",
        "language": "en",
        "state": PUBLISHED,
        "offset": datetime.timedelta(days=-3),
        "topics": ["science", "economy"],
        "sources": ["rice-en", "rice-ja"],
        "introduction": (
            "Flooded rice paddies are a surprisingly large source of methane. A pilot scheme "
            "described by the Example Times pays farmers to drain their fields for a little "
            "longer in midsummer, and sells the avoided emissions as credits.\n\n"
            "Here is what the scheme does, why it works, and where the numbers could go wrong."
        ),
        "key_points": [
            "Draining a paddy for about a week longer in midsummer cuts the methane its soil "
            "releases.",
            "The avoided emissions are sold to companies as credits, giving farmers extra income.",
            "The credits are only as good as the records and satellite checks behind them.",
        ],
        "sections": [
            {
                "heading": "Why flooded fields make methane",
                "body": (
                    "Under standing water the soil runs short of oxygen. Microbes that thrive "
                    "without oxygen break down plant matter and release **methane**, a gas "
                    "that traps far more heat than carbon dioxide over a couple of decades. "
                    "Letting air back into the soil slows them down."
                ),
            },
            {
                "heading": "Who checks the savings",
                "body": (
                    "Farmers log when they drain and re-flood each field. The scheme's "
                    "organisers compare those logs with satellite images before any credit "
                    "is issued.\n\n"
                    "Critics quoted in the article want spot checks on the ground as well, "
                    "because cloud can hide the fields from satellites in the rainy season."
                ),
            },
        ],
        "summary": (
            "The idea is cheap for farmers and easy to explain, but a credit is a promise "
            "about emissions that did not happen. The pilot's verification data will show "
            "whether that promise holds."
        ),
    },
    {
        "slug": "kyushoku-hi-mushoka-zaigen",
        "title": "給食費の無償化、その財源はどこから来るのか",
        "language": "ja",
        "state": DRAFT,
        "offset": None,
        "topics": ["keizai"],
        "sources": ["lunch-ja"],
        "introduction": (
            "ある市が、公立の小中学校の給食費を来年度から全額負担すると発表しました。"
            "家計には助かる話ですが、その費用はどこから出るのでしょうか。"
        ),
        "key_points": [
            "市は来年度から、公立小中学校の給食費を全額負担すると発表しました。",
            "財源には、市が積み立ててきた基金の取り崩しを充てます。",
            "基金を使い切った後の財源は、まだ決まっていません。",
        ],
        "sections": [
            {
                "heading": "基金とは何か",
                "body": (
                    "基金は、自治体が将来の支出に備えてためておくお金です。取り崩せば一時的に"
                    "大きな支出をまかなえますが、使い切れば同じ手はもう使えません。"
                ),
            },
        ],
        "summary": (
            "無償化を続けられるかどうかは、基金が尽きる前に恒久的な財源を見つけられるかに"
            "かかっています。"
        ),
    },
    {
        "slug": "overnight-train-trial",
        "title": "What an overnight train trial could mean for regional travel",
        "language": "en",
        "state": SCHEDULED,
        "offset": datetime.timedelta(days=3),
        "topics": ["transport"],
        "sources": ["train-en"],
        "introduction": (
            "Two regional cities, linked today by a long daytime journey, will try an "
            "overnight train for one season. The Example Times reports that the trial is "
            "meant to test whether travellers will trade a hotel night for a sleeper berth."
        ),
        "key_points": [
            "A sleeper train will run three nights a week between two regional cities for "
            "one season.",
            "Fares are set close to the price of a daytime ticket plus a budget hotel.",
            "The operator will decide on a permanent service after counting how many berths "
            "are filled.",
        ],
        "sections": [
            {
                "heading": "Why night trains are back in the conversation",
                "body": (
                    "A night train turns travel time into sleeping time. For trips too long "
                    "for a comfortable day journey but too short to justify a flight, that "
                    "can be an attractive trade.\n\n"
                    "The hard part is cost: sleeper carriages carry fewer passengers than "
                    "seated ones, so each berth has to earn more."
                ),
            },
        ],
        "summary": (
            "The trial is small, but its booking numbers will be the first real evidence of "
            "whether regional travellers want a night train."
        ),
    },
]

CORRECTIONS = [
    {
        "explainer": "minato-romen-densha-yojo-furyoku",
        "kind": "correction",
        "note": (
            "初出時、路面電車の切り替え時期を「2027年春」としていましたが、"
            "正しくは「2028年春」です。"
        ),
        "significant": True,
        "offset": datetime.timedelta(days=-1),
    },
]

# Role, and the password set in debug only (printed by load_demo when DEBUG is on).
USERS = [
    {
        "username": "editor",
        "email": "editor@example.com",
        "first_name": "Demo",
        "last_name": "Editor",
        "group": "Editors",
        "is_staff": True,
        "password": "kaisetsu-editor",
    },
    {
        "username": "contributor",
        "email": "contributor@example.com",
        "first_name": "Demo",
        "last_name": "Contributor",
        "group": "Contributors",
        "is_staff": True,
        "password": "kaisetsu-contributor",
    },
    {
        "username": "moderator",
        "email": "moderator@example.com",
        "first_name": "Demo",
        "last_name": "Moderator",
        "group": "Moderators",
        "is_staff": True,
        "password": "kaisetsu-moderator",
    },
    {
        "username": "reader",
        "email": "reader@example.com",
        "first_name": "Demo",
        "last_name": "Reader",
        "group": None,
        "is_staff": False,
        "password": "kaisetsu-reader",
    },
]
