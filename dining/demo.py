"""Demo data of the dining system: 3 canteens, 8 windows, 120 dishes with placeholder photos,
30 days of published menus with some price history, price rules and a few acknowledged
violations, a weekly template, favourites and the price index.

Menus, prices and publishing go through the real services (so price changes, rule checks and
violations are what the portal itself writes) and are then moved back to their day. Everything
is keyed by slugs, codes and names and the menus are only made once, so running `seed_demo`
twice changes nothing.
"""

import datetime
import io
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from logistics.demo import DemoData, register_demo_seeder

from . import services
from .errors import AcknowledgementRequired
from .models import (
    Allergen,
    BasketItem,
    Canteen,
    Dish,
    DishCategory,
    Favourite,
    Menu,
    MenuTemplate,
    MenuTemplateItem,
    OpeningHours,
    PriceChange,
    PriceRule,
    PriceViolation,
    Window,
)
from .pricing import services as pricing

SEED = 2026
TENTH = Decimal("0.1")
DAYS = 30  # published menus: the last 28 days, today and tomorrow

# (slug, building, name, English name, phone, [(window code, name, English name)])
CANTEENS = [
    ("mh-1", "MH-C1", "第一食堂", "Canteen 1", "021-34201001",
     [("A", "大众菜", "Set dishes"), ("B", "面食", "Noodles"), ("C", "清真窗口", "Halal")]),
    ("mh-2", "MH-C2", "第二食堂", "Canteen 2", "021-34201002",
     [("A", "大众菜", "Set dishes"), ("B", "面食", "Noodles"), ("C", "风味小吃", "Snacks")]),
    ("xh-1", "XH-C1", "徐汇食堂", "Xuhui Canteen", "021-62932001",
     [("A", "大众菜", "Set dishes"), ("B", "面食", "Noodles")]),
]  # fmt: skip
HOURS = {
    "breakfast": (datetime.time(6, 30), datetime.time(9, 0)),
    "lunch": (datetime.time(10, 45), datetime.time(13, 0)),
    "dinner": (datetime.time(16, 45), datetime.time(19, 0)),
}
CATEGORIES = [
    ("staple", "主食", "Staples"),
    ("meat", "荤菜", "Meat dishes"),
    ("veg", "素菜", "Vegetable dishes"),
    ("soup", "汤羹", "Soups"),
    ("noodles", "面食", "Noodles"),
    ("breakfast", "早点", "Breakfast"),
]
# (name, English name, category, price, allergens, vegetarian, halal, spicy, kcal, window slot)
DISHES = [
    ("米饭", "Steamed rice", "staple", "1.00", [], True, True, 0, 230, 0),
    ("馒头", "Steamed bun", "staple", "0.80", ["gluten"], True, True, 0, 220, 0),
    ("红烧肉", "Red-braised pork", "meat", "12.00", ["soy"], False, False, 0, 560, 0),
    ("宫保鸡丁", "Kung Pao chicken", "meat", "10.00", ["peanuts", "soy"], False, False, 2, 420, 0),
    ("鱼香肉丝", "Yu-Xiang shredded pork", "meat", "9.00", ["soy"], False, False, 1, 380, 0),
    ("红烧牛腩", "Braised beef brisket", "meat", "22.00", ["soy"], False, False, 0, 520, 0),
    ("糖醋里脊", "Sweet and sour pork", "meat", "11.00", ["gluten", "eggs"], False, False, 0, 480, 0),  # noqa: E501
    ("清蒸鲈鱼", "Steamed sea bass", "meat", "18.00", ["fish", "soy"], False, False, 0, 300, 0),
    ("油焖大虾", "Braised prawns", "meat", "20.00", ["crustaceans"], False, False, 0, 320, 0),
    ("麻婆豆腐", "Mapo tofu", "veg", "5.00", ["soy"], False, False, 3, 280, 0),
    ("番茄炒蛋", "Tomato and egg", "veg", "5.00", ["eggs"], True, True, 0, 250, 0),
    ("清炒时蔬", "Stir-fried greens", "veg", "3.50", [], True, True, 0, 120, 0),
    ("地三鲜", "Di San Xian", "veg", "6.00", [], True, True, 0, 330, 0),
    ("酸辣土豆丝", "Hot and sour potato", "veg", "3.00", [], True, True, 1, 180, 0),
    ("干煸豆角", "Dry-fried green beans", "veg", "5.50", [], True, True, 1, 200, 0),
    ("凉拌黄瓜", "Smashed cucumber", "veg", "3.00", ["sesame"], True, True, 1, 90, 0),
    ("紫菜蛋花汤", "Seaweed and egg soup", "soup", "2.00", ["eggs"], True, True, 0, 60, 0),
    ("番茄牛肉汤", "Tomato beef soup", "soup", "8.00", [], False, True, 0, 150, 0),
    ("玉米排骨汤", "Corn and pork rib soup", "soup", "9.00", [], False, False, 0, 210, 0),
    ("兰州拉面", "Lanzhou beef noodles", "noodles", "12.00", ["gluten"], False, True, 1, 550, 1),
    ("番茄鸡蛋面", "Tomato egg noodles", "noodles", "8.00", ["gluten", "eggs"], True, True, 0, 480, 1),  # noqa: E501
    ("重庆小面", "Chongqing noodles", "noodles", "9.00", ["gluten", "peanuts", "sesame"], True, True, 3, 500, 1),  # noqa: E501
    ("炸酱面", "Zhajiang noodles", "noodles", "10.00", ["gluten", "soy"], False, False, 0, 590, 1),
    ("阳春面", "Yangchun noodles", "noodles", "5.00", ["gluten"], True, True, 0, 400, 1),
    ("酸菜鱼面", "Pickled fish noodles", "noodles", "14.00", ["gluten", "fish"], False, False, 2, 560, 1),  # noqa: E501
    ("大排面", "Pork chop noodles", "noodles", "13.00", ["gluten", "soy"], False, False, 0, 650, 1),
    ("羊肉泡馍", "Lamb soup with bread", "noodles", "16.00", ["gluten"], False, True, 0, 620, 2),
    ("大盘鸡", "Big plate chicken", "meat", "15.00", ["gluten"], False, True, 2, 580, 2),
    ("手抓饭", "Uyghur pilaf", "staple", "13.00", [], False, True, 0, 640, 2),
    ("孜然羊肉", "Cumin lamb", "meat", "19.00", [], False, True, 2, 450, 2),
    ("清真牛肉饺", "Beef dumplings (halal)", "staple", "11.00", ["gluten"], False, True, 0, 470, 2),
    ("烤馕", "Naan bread", "staple", "3.00", ["gluten", "sesame"], True, True, 0, 300, 2),
    ("豆浆", "Soy milk", "breakfast", "1.50", ["soy"], True, True, 0, 90, 0),
    ("油条", "Fried dough stick", "breakfast", "1.50", ["gluten"], True, True, 0, 230, 0),
    ("小笼包", "Xiaolongbao", "breakfast", "6.00", ["gluten", "soy"], False, False, 0, 380, 0),
    ("茶叶蛋", "Tea egg", "breakfast", "1.50", ["eggs"], True, True, 0, 75, 0),
    ("小米粥", "Millet porridge", "breakfast", "1.00", [], True, True, 0, 110, 0),
    ("牛奶", "Milk", "breakfast", "2.50", ["milk"], True, True, 0, 130, 0),
    ("鸡蛋灌饼", "Egg pancake", "breakfast", "4.00", ["gluten", "eggs"], True, True, 0, 350, 0),
    ("花生芝麻汤圆", "Peanut and sesame tangyuan", "breakfast", "5.00", ["peanuts", "sesame"], True, True, 0, 320, 0),  # noqa: E501
]  # fmt: skip
# Price supervision rules: (name, kind, severity, category, amount, percent)
RULES = [
    ("荤菜限价 25 元", "category_cap", "warning", "meat", "25.00", None),
    ("汤羹限价 15 元", "category_cap", "block", "soup", "15.00", None),
    ("单次涨幅不超过 15%", "max_increase_change", "warning", None, None, "15.00"),
    ("低价菜（≤5 元）占比不少于 20%", "low_price_share", "warning", None, "5.00", "20.00"),
]
# Days (counted from the first) on which canteen 1 sells its beef brisket dearer, and why.
SPECIALS = {5: "节日特供，份量加大", 14: "牛肉进价上涨", 23: "校庆加餐"}
# Standard price changes: day → (dish, new price, reason).
PRICE_CHANGES = {
    9: ("红烧肉", "13.00", "猪肉收购价上涨"),
    17: ("清炒时蔬", "4.00", "蔬菜季节性涨价"),
    25: ("兰州拉面", "11.50", "面粉集中采购降价"),
}
BASKET = ["米饭", "馒头", "红烧肉", "番茄炒蛋", "清炒时蔬", "兰州拉面", "豆浆", "紫菜蛋花汤"]


def seed_dining(demo: DemoData) -> None:
    """The catalogue, rules, menus and price history (the menus only once)."""
    categories = seed_categories()
    canteens = [seed_canteen(demo, row) for row in CANTEENS]
    for canteen, offset in zip(
        canteens, (Decimal("0"), Decimal("0.5"), Decimal("-0.5")), strict=True
    ):
        seed_dishes(demo, canteen, categories, offset)
    seed_rules(categories)
    if Menu.objects.filter(canteen__in=canteens).exists():
        return
    seed_template(canteens[0])
    seed_basket(canteens)
    seed_menus(demo, canteens)
    seed_favourites(demo, canteens[0])


register_demo_seeder(30, seed_dining)


def seed_categories() -> dict[str, DishCategory]:
    return {
        code: DishCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )[0]
        for order, (code, name, name_en) in enumerate(CATEGORIES)
    }


def seed_canteen(demo: DemoData, row) -> Canteen:
    slug, building, name, name_en, phone, windows = row
    canteen, _ = Canteen.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "name_en": name_en,
            "building": demo.buildings[building],
            "department": demo.departments["DINING"],
            "phone": phone,
            "address": demo.buildings[building].name,
            "sort_order": CANTEENS.index(row),
        },
    )
    for meal, (opens, closes) in HOURS.items():
        OpeningHours.objects.get_or_create(
            canteen=canteen, meal=meal, defaults={"opens_at": opens, "closes_at": closes}
        )
    for order, (code, window_name, window_en) in enumerate(windows):
        window, _ = Window.objects.get_or_create(
            canteen=canteen,
            code=code,
            defaults={"name": window_name, "name_en": window_en, "sort_order": order},
        )
        if slug == "mh-1":
            window.staff.add(demo.users["canteen_staff"])
    return canteen


def _editor(demo: DemoData, canteen: Canteen):
    # The demo canteen_staff account serves canteen 1; the manager looks after the others.
    return demo.users["canteen_staff" if canteen.slug == "mh-1" else "logistics_manager"]


def seed_dishes(demo, canteen, categories, offset: Decimal) -> None:
    if canteen.dishes.exists():
        return
    windows = list(canteen.windows.order_by("sort_order"))
    allergens = {a.code: a for a in Allergen.objects.all()}
    for n, (name, name_en, category, price, codes, veg, halal, spicy, kcal, slot) in enumerate(
        DISHES
    ):
        # Other canteens price dearer dishes a little differently; cheap ones stay cheap.
        price = Decimal(price) + (offset if Decimal(price) >= 8 else 0)
        data = {
            "name": name,
            "name_en": name_en,
            "category": categories[category],
            "window": windows[min(slot, len(windows) - 1)],
            "price": price,
            "price_employee": price + Decimal("1.00"),
            "price_other": price + Decimal("2.00"),
            "portion_grams": 250 if category != "breakfast" else None,
            "allergens": [allergens[c] for c in codes if c in allergens],
            "is_vegetarian": veg,
            "is_halal": halal,
            "spicy_level": spicy,
            "kcal": kcal,
            "protein_g": (Decimal(kcal) / 20).quantize(TENTH),
            "fat_g": (Decimal(kcal) / 40).quantize(TENTH),
            "carbohydrate_g": (Decimal(kcal) / 8).quantize(TENTH),
            "sodium_mg": kcal * 2,
            "photo": placeholder_photo(f"{canteen.slug}-{n:03d}", category),
        }
        services.dish_save(by=_editor(demo, canteen), canteen=canteen, data=data)
    # The first prices were set before the month the menus cover.
    start = _at(timezone.localdate() - datetime.timedelta(days=DAYS), 8)
    PriceChange.objects.filter(dish__canteen=canteen).update(changed_at=start)


PALETTE = {
    "staple": (236, 220, 180),
    "meat": (176, 84, 48),
    "veg": (96, 160, 72),
    "soup": (220, 160, 60),
    "noodles": (230, 196, 120),
    "breakfast": (240, 200, 150),
}


def placeholder_photo(key: str, category: str) -> ContentFile:
    """A small, deterministic PNG: a plate with food of the category's colour."""
    rng = random.Random(key)
    image = Image.new("RGB", (160, 120), (245, 242, 236))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 10, 140, 110), fill=(255, 255, 255), outline=(210, 205, 195), width=3)
    base = PALETTE[category]
    for _ in range(6):
        x, y, r = rng.randint(45, 105), rng.randint(35, 75), rng.randint(10, 22)
        shade = tuple(max(0, min(255, c + rng.randint(-30, 30))) for c in base)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=f"demo-{key}.png")


def seed_rules(categories) -> None:
    for name, kind, severity, category, amount, percent in RULES:
        PriceRule.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "severity": severity,
                "category": categories[category] if category else None,
                "amount": Decimal(amount) if amount else None,
                "percent": Decimal(percent) if percent else None,
            },
        )


def seed_template(canteen: Canteen) -> None:
    template, _ = MenuTemplate.objects.get_or_create(canteen=canteen, name="标准周菜单")
    window = canteen.windows.get(code="A")
    dishes = {d.name: d for d in canteen.dishes.all()}
    plan = [["米饭", "红烧肉", "番茄炒蛋", "清炒时蔬", "紫菜蛋花汤"],
            ["米饭", "宫保鸡丁", "麻婆豆腐", "酸辣土豆丝", "番茄牛肉汤"]]  # fmt: skip
    for weekday in range(5):
        for name in plan[weekday % 2]:
            MenuTemplateItem.objects.get_or_create(
                template=template, weekday=weekday, meal="lunch", window=window, dish=dishes[name]
            )


def seed_basket(canteens) -> None:
    for dish in Dish.objects.filter(canteen__in=canteens, name__in=BASKET):
        BasketItem.objects.get_or_create(
            dish=dish, defaults={"quantity": Decimal("1"), "base_price": dish.price}
        )


# --- Menus --------------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """That time of that day, or now if it is later (the demo never records the future)."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
    return min(at, timezone.now())


def seed_menus(demo: DemoData, canteens) -> None:
    today = timezone.localdate()
    first = today - datetime.timedelta(days=DAYS - 2)
    rng = random.Random(SEED)
    for index in range(DAYS):
        day = first + datetime.timedelta(days=index)
        marks = _marks()
        _standard_changes(demo, canteens[0], index)
        for canteen in canteens:
            for window in canteen.windows.order_by("sort_order"):
                for meal, rows in _plan(canteen, window, day, index, rng):
                    _publish(demo, canteen, window, day, meal, rows)
        _backdate(marks, day)
    _scheduled_and_drafts(demo, canteens[0], today + datetime.timedelta(days=2))
    for index in range(DAYS):
        pricing.price_index_compute(day=first + datetime.timedelta(days=index))


def _marks() -> dict:
    """The newest ids before a day is seeded: what comes after belongs to that day."""
    return {
        model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for model in (PriceChange, PriceViolation, Menu)
    }


def _backdate(marks: dict, day: datetime.date) -> None:
    PriceChange.objects.filter(pk__gt=marks[PriceChange]).update(changed_at=_at(day, 9, 30))
    PriceViolation.objects.filter(pk__gt=marks[PriceViolation]).update(
        created_at=_at(day, 9, 45), acknowledged_at=_at(day, 9, 45)
    )
    before = day - datetime.timedelta(days=1)
    Menu.objects.filter(pk__gt=marks[Menu]).update(
        created_at=_at(before, 15), published_at=_at(before, 16)
    )


def _standard_changes(demo, canteen, index: int) -> None:
    if index not in PRICE_CHANGES:
        return
    name, price, reason = PRICE_CHANGES[index]
    dish = canteen.dishes.get(name=name)
    services.dish_save(
        by=_editor(demo, canteen),
        canteen=canteen,
        dish=dish,
        data={"price": Decimal(price)},
        reason=reason,
    )


def _plan(canteen, window, day, index: int, rng: random.Random):
    """[(meal, rows)] a window serves on a day, picked from its usual dishes."""
    own = list(canteen.dishes.filter(window=window).select_related("category"))
    by_category = {}
    for dish in own:
        by_category.setdefault(dish.category.code, []).append(dish)
    if window.code == "A":
        breakfast = rng.sample(by_category["breakfast"], 5)
        meals = [("breakfast", breakfast)]
        for meal in ("lunch", "dinner"):
            meat = rng.sample(by_category["meat"], 3)
            special = [d for d in by_category["meat"] if _row(canteen, d, index, meal).get("price")]
            dishes = (
                by_category["staple"]
                + (special + [d for d in meat if d not in special])[:3]
                + rng.sample(by_category["veg"], 3)
                + rng.sample(by_category["soup"], 1)
            )
            meals.append((meal, dishes))
        return [(meal, [_row(canteen, d, index, meal) for d in dishes]) for meal, dishes in meals]
    cheapest = min(own, key=lambda d: d.price)
    meals = []
    for meal in ("lunch", "dinner"):
        # Each window keeps a cheap dish on: the low-price share rule counts the whole meal.
        dishes = [cheapest] + [d for d in rng.sample(own, min(4, len(own))) if d != cheapest][:3]
        meals.append((meal, [_row(canteen, d, index, meal) for d in dishes]))
    return meals


def _row(canteen, dish, index: int, meal: str) -> dict:
    row = {"dish": dish}
    if canteen.slug == "mh-1" and dish.name == "红烧牛腩" and index in SPECIALS and meal == "lunch":
        row["price"] = Decimal("28.00")
    return row


def _publish(demo, canteen, window, day, meal, rows, *, publish_at=None) -> Menu:
    by = _editor(demo, canteen)
    menu = services.menu_get_or_create(by=by, canteen=canteen, window=window, date=day, meal=meal)
    services.menu_set_items(by=by, menu=menu, items=rows)
    index = (day - (timezone.localdate() - datetime.timedelta(days=DAYS - 2))).days
    reason = SPECIALS.get(index, "")
    try:
        return services.menu_publish(by=by, menu=menu, publish_at=publish_at)
    except AcknowledgementRequired:
        # The special days' dearer dish: the staff acknowledge the warnings with their reason.
        return services.menu_publish(
            by=by, menu=menu, publish_at=publish_at, acknowledge_reason=reason or "临时调整"
        )


def _scheduled_and_drafts(demo, canteen, day) -> None:
    """The day after tomorrow at canteen 1: lunch scheduled for 6:00 that day, dinner a draft."""
    window = canteen.windows.get(code="A")
    dishes = list(canteen.dishes.filter(window=window, category__code__in=["staple", "veg"]))
    rows = [{"dish": d} for d in dishes[:6]]
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(6)))
    _publish(demo, canteen, window, day, "lunch", rows, publish_at=at)
    by = _editor(demo, canteen)
    menu = services.menu_get_or_create(
        by=by, canteen=canteen, window=window, date=day, meal="dinner"
    )
    services.menu_set_items(by=by, menu=menu, items=rows[:4])


def seed_favourites(demo: DemoData, canteen: Canteen) -> None:
    picks = {"student": ["红烧肉", "兰州拉面"], "student2": ["麻婆豆腐"], "teacher": ["清蒸鲈鱼"]}
    for username, names in picks.items():
        for dish in canteen.dishes.filter(name__in=names):
            Favourite.objects.get_or_create(user=demo.users[username], dish=dish)
