"""A labelled set of lost/found pairs for the lost-and-found matching (lostfound/matching.py),
written for this purpose: 160 pairs in Chinese and English, across the nine starting
categories, where the owner and the finder describe the same thing in their own words
("丢了一部华为手机，黑色的，透明壳" / "黑色华为手机，透明手机壳"; "Lost my blue Hydro Flask" / "Blue
insulated bottle, Hydro Flask"), at the same building, a neighbour on the same campus, or in the
finder's words only, found within the owner's window or up to two days later.

Each pair's found item is the right answer for its lost report; every other found item of the
set is a distractor (same category, often same colour or brand, the same weeks). The pairs are
built from hand-written phrasings with a fixed seed, so the set is the same on every run.
`tests/lostfound/test_matching_recall.py` and `bench/bench_lostfound.py` read it."""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 14
PAIRS = 160
SPAN_DAYS = 60  # the pairs' losses spread over two months

# (Chinese, English) colours and what owners and finders call them.
COLOURS = [
    ("黑色", "black"),
    ("白色", "white"),
    ("蓝色", "blue"),
    ("红色", "red"),
    ("灰色", "grey"),
    ("粉色", "pink"),
    ("绿色", "green"),
    ("紫色", "purple"),
]

# Per category: brands/kinds and details, each as (Chinese, English) and, for the owner, a
# differently worded Chinese detail (what the owner says vs what the finder sees).
KINDS = {
    "phone": {
        "things": [
            ("华为手机", "Huawei phone"),
            ("苹果手机", "iPhone"),
            ("小米手机", "Xiaomi phone"),
            ("OPPO手机", "OPPO phone"),
            ("vivo手机", "vivo phone"),
            ("平板电脑", "iPad"),
            ("蓝牙耳机", "AirPods case"),
            ("笔记本电脑", "laptop"),
        ],
        "details": [
            ("透明手机壳", "透明壳", "clear case"),
            ("屏幕碎了一角", "屏幕有裂痕", "cracked corner"),
            ("背面贴着熊猫贴纸", "贴了熊猫贴纸", "panda sticker on the back"),
            ("带支架的手机壳", "壳上有支架", "case with a kickstand"),
            ("挂着卡通挂绳", "有卡通挂绳", "cartoon lanyard"),
        ],
    },
    "keys": {
        "things": [
            ("一串钥匙", "bunch of keys"),
            ("宿舍钥匙", "dorm key"),
            ("自行车钥匙", "bike key"),
            ("电动车钥匙", "e-bike key"),
            ("储物柜钥匙", "locker key"),
        ],
        "details": [
            ("挂着小熊钥匙扣", "钥匙扣是小熊", "teddy bear keyring"),
            ("三把钥匙和门禁卡", "三把钥匙加一张门禁卡", "three keys and an access fob"),
            ("红绳钥匙扣", "系着红绳", "red string keyring"),
            ("带开瓶器的钥匙扣", "钥匙扣是开瓶器", "bottle-opener keyring"),
        ],
    },
    "wallet": {
        "things": [
            ("钱包", "wallet"),
            ("长款钱包", "long wallet"),
            ("零钱包", "coin purse"),
            ("卡包", "card holder"),
        ],
        "details": [
            ("皮质的", "真皮", "leather"),
            ("有拉链", "拉链款", "zipped"),
            ("里面有银行卡", "装着几张银行卡", "bank cards inside"),
            ("印着校徽", "上面有校徽", "school logo printed"),
        ],
    },
    "books": {
        "things": [
            ("高等数学教材", "calculus textbook"),
            ("英语词典", "English dictionary"),
            ("笔记本", "notebook"),
            ("笔袋", "pencil case"),
            ("计算器", "calculator"),
            ("线性代数课本", "linear algebra textbook"),
        ],
        "details": [
            ("扉页写着名字", "第一页写了名字", "name on the first page"),
            ("封面有咖啡渍", "封面沾了咖啡", "coffee stain on the cover"),
            ("夹着很多便利贴", "里面夹了便利贴", "full of sticky notes"),
            ("卡西欧的", "卡西欧牌", "Casio"),
        ],
    },
    "clothes": {
        "things": [
            ("外套", "jacket"),
            ("羽绒服", "down jacket"),
            ("双肩包", "backpack"),
            ("帽子", "cap"),
            ("围巾", "scarf"),
            ("运动服", "tracksuit top"),
            ("帆布包", "tote bag"),
        ],
        "details": [
            ("耐克的", "耐克牌", "Nike"),
            ("口袋里有纸巾", "兜里有纸巾", "tissues in the pocket"),
            ("袖口有点脏", "袖口脏了", "dirty cuffs"),
            ("印着学校名字", "有学校的字", "school name printed"),
            ("优衣库的", "优衣库", "Uniqlo"),
        ],
    },
    "bottle": {
        "things": [
            ("保温杯", "thermos"),
            ("水杯", "water bottle"),
            ("运动水壶", "sports bottle"),
            ("玻璃杯", "glass bottle"),
        ],
        "details": [
            ("膳魔师的", "膳魔师牌", "Thermos brand"),
            ("杯底贴着猫咪贴纸", "底部有猫贴纸", "cat sticker on the bottom"),
            ("有刻度线", "上面有刻度", "with markings"),
            ("杯盖有划痕", "盖子有划痕", "scratched lid"),
        ],
    },
    "umbrella": {
        "things": [
            ("折叠伞", "folding umbrella"),
            ("长柄伞", "long umbrella"),
            ("雨伞", "umbrella"),
            ("遮阳伞", "sun umbrella"),
        ],
        "details": [
            ("伞柄缠着白色胶带", "伞把上缠了白胶布", "white tape on the handle"),
            ("有格子图案", "格子花纹", "checked pattern"),
            ("一根伞骨断了", "伞骨断了一根", "one broken rib"),
            ("自动开合的", "自动伞", "automatic"),
        ],
    },
    "card": {
        "things": [
            ("校园卡", "campus card"),
            ("身份证", "ID card"),
            ("学生证", "student ID"),
            ("银行卡", "bank card"),
        ],
        "details": [
            ("装在卡套里", "有卡套", "in a card sleeve"),
            ("挂着蓝色挂绳", "蓝色挂绳", "blue lanyard"),
            ("卡面有划痕", "卡上有划痕", "scratched"),
        ],
    },
    "other": {
        "things": [
            ("眼镜", "glasses"),
            ("充电宝", "power bank"),
            ("手表", "watch"),
            ("耳机", "headphones"),
            ("U盘", "USB stick"),
            ("篮球", "basketball"),
        ],
        "details": [
            ("黑框的", "黑色镜框", "black frame"),
            ("小米的", "小米牌", "Xiaomi"),
            ("表带是皮的", "皮表带", "leather strap"),
            ("有姓名缩写", "刻着缩写", "initials on it"),
        ],
    },
}

# Where: building codes of the bench campus (two campuses × four buildings), and places in words.
BUILDINGS = {
    "MH": ["MH-LIB", "MH-C1", "MH-T1", "MH-GYM"],
    "XH": ["XH-LIB", "XH-C1", "XH-T1", "XH-D1"],
}
ROOMS = [
    ("三楼自习区", "3rd floor study area"),
    ("一楼大厅", "ground floor lobby"),
    ("二楼餐桌", "2nd floor tables"),
    ("101 教室", "room 101"),
    ("门口", "entrance"),
    ("操场看台", "stands by the track"),
    ("洗手间旁", "by the toilets"),
]


@dataclass(frozen=True)
class Pair:
    """One labelled pair: the owner's lost report and the finder's found item (the answer)."""

    category: str
    lost_text: str
    found_text: str
    lost_building: str | None
    found_building: str | None
    lost_place: str
    found_place: str
    lost_from_hours: float  # hours after the set's start
    lost_until_hours: float
    found_hours: float


def _texts(rng: random.Random, category: str, english: bool) -> tuple[str, str]:
    kinds = KINDS[category]
    (thing_zh, thing_en) = rng.choice(kinds["things"])
    (colour_zh, colour_en) = rng.choice(COLOURS)
    detail_found, detail_lost, detail_en = rng.choice(kinds["details"])
    if english:
        lost = rng.choice(
            [
                f"Lost my {colour_en} {thing_en}, {detail_en}",
                f"{colour_en.capitalize()} {thing_en} ({detail_en}), please help",
                f"I left a {colour_en} {thing_en} somewhere, {detail_en}",
            ]
        )
        found = rng.choice(
            [
                f"{colour_en.capitalize()} {thing_en}, {detail_en}",
                f"Found a {colour_en} {thing_en} with {detail_en}",
            ]
        )
        return lost, found
    lost = rng.choice(
        [
            f"丢了{thing_zh}，{colour_zh}的，{detail_lost}",
            f"我的{colour_zh}{thing_zh}不见了，{detail_lost}",
            f"{colour_zh}{thing_zh}，{detail_lost}，谁捡到了请联系我",
        ]
    )
    found = rng.choice(
        [f"{colour_zh}{thing_zh}，{detail_found}", f"捡到一个{colour_zh}{thing_zh}，{detail_found}"]
    )
    return lost, found


def pairs(count: int = PAIRS, seed: int = SEED) -> list[Pair]:
    """The labelled set: the same `count` pairs for the same `seed`."""
    rng = random.Random(seed)
    categories = list(KINDS)
    found: list[Pair] = []
    for index in range(count):
        category = categories[index % len(categories)]
        english = rng.random() < 0.3
        lost_text, found_text = _texts(rng, category, english)
        campus = rng.choice(list(BUILDINGS))
        lost_building = rng.choice(BUILDINGS[campus])
        where = rng.random()
        if where < 0.65:
            found_building = lost_building  # the same building
        elif where < 0.85:
            found_building = rng.choice(BUILDINGS[campus])  # a neighbour on the same campus
        else:
            found_building = None  # the finder's words only
        room_zh, room_en = rng.choice(ROOMS)
        room = room_en if english else room_zh
        start = rng.uniform(0, SPAN_DAYS * 24)
        window = rng.choice([1, 2, 4, 8, 24])
        found_at = start + rng.uniform(0, window + rng.choice([0, 0, 6, 24, 48]))
        found.append(
            Pair(
                category=category,
                lost_text=lost_text,
                found_text=found_text,
                lost_building=lost_building if rng.random() < 0.8 else None,
                found_building=found_building,
                lost_place=room if rng.random() < 0.5 else "",
                found_place=room,
                lost_from_hours=start,
                lost_until_hours=start + window,
                found_hours=found_at,
            )
        )
    return found


# --- loading and scoring (Django set up by the caller) -------------------------------------------


def load(labelled: list[Pair], *, desk, owner, start) -> list[tuple]:
    """Writes the set's found items and lost reports (rows only: no proposals, no
    notifications) and returns (lost report, its found item) for each pair."""
    from datetime import timedelta

    from logistics.models import Building, Campus
    from lostfound.models import Category, FoundItem, LostReport

    categories = {c.code: c for c in Category.objects.all()}
    buildings = {}
    for campus_code, codes in BUILDINGS.items():
        campus, _ = Campus.objects.get_or_create(
            code=f"LFB-{campus_code}", defaults={"name": campus_code, "name_en": campus_code}
        )
        for code in codes:
            buildings[code], _ = Building.objects.get_or_create(
                campus=campus, code=f"LFB-{code}", defaults={"name": code, "name_en": code}
            )

    def hours(value: float):
        return start + timedelta(hours=value)

    out = []
    for pair in labelled:
        item = FoundItem.objects.create(
            category=categories[pair.category],
            description=pair.found_text[:200],
            building=buildings.get(pair.found_building),
            place_text=pair.found_place,
            found_at=hours(pair.found_hours),
            desk=desk,
            status=FoundItem.Status.STORED,
        )
        report = LostReport.objects.create(
            owner=owner,
            category=categories[pair.category],
            description=pair.lost_text,
            building=buildings.get(pair.lost_building),
            place_text=pair.lost_place,
            lost_from=hours(pair.lost_from_hours),
            lost_until=hours(pair.lost_until_hours),
        )
        out.append((report, item))
    return out


def score_set(loaded: list[tuple]) -> dict:
    """recall@5 (the answer among the first five proposed), precision@1 (the first is the
    answer) and the ranks, through lostfound.matching.ranked_for_report."""
    from lostfound.matching import THRESHOLD, ranked_for_report

    ranks = []
    for report, item in loaded:
        ranked = [s for s in ranked_for_report(report) if s.score >= THRESHOLD]
        ids = [s.item.pk for s in ranked]
        ranks.append(ids.index(item.pk) + 1 if item.pk in ids else None)
    size = len(ranks)
    return {
        "pairs": size,
        "recall_at_5": sum(1 for r in ranks if r and r <= 5) / size,
        "precision_at_1": sum(1 for r in ranks if r == 1) / size,
        "missed": sum(1 for r in ranks if r is None),
        "ranks": ranks,
    }
