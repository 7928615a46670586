"""The lost-and-found journey in a real browser at phone width, one context per person.

A student finds a phone in the library and hands it to the desk, which records a hidden trait
(a second desk person confirms the valuable's intake); someone else claims it with a wrong
answer and is rejected; the owner reports it lost, receives the match, claims it, answers
right, and collects it with the one-time code (a second desk person confirms the handover).
Another student's found campus card notifies its owner directly and never reaches the board.
An umbrella nobody claimed goes back to its finder by two desk people and into the register;
an owner writes to a finder who keeps an item, neither seeing the other's name. Each step is
checked in the database, not only on the page.
"""

import pytest

from logistics.models import Notification
from logistics.roles import Role
from lostfound.models import Claim, FoundItem, FoundItemEvent, LostReport, Match
from tests.logistics.factories import BuildingFactory, UserFactory
from tests.lostfound.factories import DeskFactory, category, desk_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = "黑色华为手机，蓝色手机壳"
TRAIT = "锁屏是一只橘猫，背面贴着熊猫贴纸"


@pytest.fixture
def cast(db):
    library = BuildingFactory(code="LIB", name="图书馆", name_en="Library")
    desk = DeskFactory(
        code="LIB",
        name="失物招领处",
        name_en="Lost and found desk",
        building=library,
        location="图书馆一楼",
        opening_hours="8:30–17:00",
    )
    return {
        "library": library,
        "desk": desk,
        "phone": category("phone"),
        "card": category("card"),
        "finder": UserFactory(username="2024101", display_name="李找到", roles=[Role.STUDENT]),
        "owner": UserFactory(username="2024102", display_name="王丢失", roles=[Role.STUDENT]),
        "impostor": UserFactory(username="2024103", display_name="赵冒领", roles=[Role.STUDENT]),
        "card_finder": UserFactory(username="2024104", roles=[Role.STUDENT]),
        "card_owner": UserFactory(username="2024105", roles=[Role.STUDENT]),
        "desk1": desk_person(desk, "lf1001"),
        "desk2": desk_person(desk, "lf1002"),
    }


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def report_found_phone(page, cast) -> FoundItem:
    page.goto("/lostfound/found/new/")
    fits_the_phone(page)
    page.get_by_label("What is it").select_option(str(cast["phone"].pk))
    page.get_by_label("Public description").fill(PHONE)
    page.get_by_label("Building where found").select_option(str(cast["library"].pk))
    page.get_by_label("Where exactly (or a place off the list)").fill("三楼自习室")
    page.get_by_label("Handed to a desk").check()
    submit(page, "Report the found item")
    page.get_by_text("was reported").wait_for()
    item = FoundItem.objects.get(finder=cast["finder"])
    assert (item.status, item.custody, item.desk, item.building) == (
        "reported",
        "desk",
        cast["desk"],
        cast["library"],
    )
    assert item.is_public and item.notice_published_at is not None
    return item


def receive_at_desk(cast, open_as, item: FoundItem):
    desk1 = open_as(cast["desk1"])
    desk1.goto(f"/lostfound/found/{item.pk}/")
    desk1.get_by_label("Storage place").fill("A柜2层")
    desk1.get_by_label("Hidden traits the desk notes").fill(TRAIT)
    submit(desk1, "Receive and label")
    item.refresh_from_db()
    assert item.status == "intake_pending"  # a phone is a valuable
    assert (item.hidden_traits, item.storage_place, item.intake_by) == (
        TRAIT,
        "A柜2层",
        cast["desk1"],
    )
    assert item.label == "LIB-00001"
    # The desk person who took it in cannot confirm it; the second one does.
    submit(desk1, "Confirm intake")
    desk1.get_by_text("A second desk person must confirm this valuable item.").wait_for()
    item.refresh_from_db()
    assert (item.status, item.intake_confirmed_by) == ("intake_pending", None)
    desk2 = open_as(cast["desk2"])
    desk2.goto(f"/lostfound/found/{item.pk}/")
    submit(desk2, "Confirm intake")
    item.refresh_from_db()
    assert (item.status, item.intake_confirmed_by) == ("stored", cast["desk2"])
    return desk1, desk2


def claim(page, item: FoundItem, answers: str) -> Claim:
    page.goto(f"/lostfound/found/{item.pk}/claim/")
    page.get_by_label("What only the owner would know").fill(answers)
    submit(page, "Send my claim")
    page.get_by_text("Your claim was sent to the desk.").wait_for()
    fits_the_phone(page)
    return Claim.objects.filter(item=item).latest("id")


def test_a_phone_goes_from_finder_to_desk_to_owner(open_as, cast):
    finder = open_as(cast["finder"])
    item = report_found_phone(finder, cast)
    desk1, desk2 = receive_at_desk(cast, open_as, item)

    # The board shows the phone, never its hidden trait, label or finder.
    impostor = open_as(cast["impostor"])
    impostor.goto("/lostfound/")
    fits_the_phone(impostor)
    assert impostor.get_by_text(PHONE).count() == 1
    body = impostor.inner_text("body")
    assert "橘猫" not in body and "LIB-00001" not in body and "李找到" not in body
    impostor.goto(f"/lostfound/found/{item.pk}/")
    assert "橘猫" not in impostor.inner_text("body")

    # A wrong claim: the desk compares it with the hidden trait and rejects it, with a reason.
    wrong = claim(impostor, item, "锁屏是风景照，没有贴纸")
    desk1.goto(f"/lostfound/claims/{wrong.pk}/")
    assert TRAIT in desk1.inner_text(".lf-hidden")
    desk1.get_by_label("Reason").last.fill("锁屏和贴纸都对不上")
    submit(desk1, "Reject")
    wrong.refresh_from_db()
    assert (wrong.status, wrong.reason, wrong.decided_by) == (
        "rejected",
        "锁屏和贴纸都对不上",
        cast["desk1"],
    )
    assert Notification.objects.filter(
        recipient=cast["impostor"], kind="lostfound.claim_rejected"
    ).exists()
    impostor.goto(f"/lostfound/claims/{wrong.pk}/")
    impostor.get_by_text("锁屏和贴纸都对不上").wait_for()

    # The owner reports it lost and is told of the match.
    owner = open_as(cast["owner"])
    owner.goto("/lostfound/lost/new/")
    fits_the_phone(owner)
    owner.get_by_label("What did you lose").select_option(str(cast["phone"].pk))
    owner.get_by_label("Description").fill("华为手机 黑色 蓝色手机壳")
    owner.get_by_label("Building where lost").select_option(str(cast["library"].pk))
    submit(owner, "File the lost report")
    report = LostReport.objects.get(owner=cast["owner"])
    match = Match.objects.get(lost_report=report)
    assert (match.found_item_id, match.status) == (item.pk, "proposed")
    note = Notification.objects.get(recipient=cast["owner"], kind="lostfound.match")
    owner.goto("/notifications/")
    owner.locator("li.notification", has_text=PHONE).get_by_role("link").first.click()
    owner.wait_for_url(f"**/lostfound/lost/{report.pk}/")
    assert note.url.endswith(f"/lostfound/lost/{report.pk}/")
    owner.get_by_text("Found items that may be yours").wait_for()
    fits_the_phone(owner)

    # The owner claims it and answers right; the desk approves; the owner sees a code.
    with owner.expect_navigation():
        owner.get_by_role("link", name="This is mine: claim it").click()
    right = claim(owner, item, "锁屏是我家的橘猫，背面有熊猫贴纸")
    assert Match.objects.get(pk=match.pk).status == "claimed"
    desk1.goto(f"/lostfound/claims/{right.pk}/")
    submit(desk1, "Approve: the answers fit")
    right.refresh_from_db()
    assert (right.status, right.decided_by) == ("approved", cast["desk1"])
    assert len(right.handover_code) == 6
    owner.goto(f"/lostfound/claims/{right.pk}/")
    assert owner.inner_text(".lf-code").strip() == right.handover_code
    fits_the_phone(owner)

    # Handover at the desk with the code; a second desk person confirms (a valuable).
    desk1.goto(f"/lostfound/claims/{right.pk}/")
    desk1.get_by_label("The owner's one-time code").fill(right.handover_code)
    submit(desk1, "Hand over")
    right.refresh_from_db()
    assert (right.status, right.handed_by, right.handover_method) == (
        "handover_pending",
        cast["desk1"],
        "code",
    )
    desk2.goto(f"/lostfound/claims/{right.pk}/")
    submit(desk2, "Confirm handover")
    right.refresh_from_db()
    item.refresh_from_db()
    report.refresh_from_db()
    assert (right.status, right.second_by) == ("handed_over", cast["desk2"])
    assert right.handed_over_at is not None
    assert (item.status, item.owner) == ("returned", cast["owner"])
    assert report.status == "found"
    assert FoundItemEvent.objects.filter(item=item, action="returned").exists()
    # The finder hears that it found its owner, without the owner's name.
    thanks = Notification.objects.get(recipient=cast["finder"], kind="lostfound.returned")
    assert "王丢失" not in thanks.title and "2024102" not in thanks.title
    # Returned items leave the board.
    impostor.goto("/lostfound/")
    assert impostor.get_by_text(PHONE).count() == 0


def test_a_found_campus_card_tells_its_owner_and_never_reaches_the_board(open_as, cast):
    finder = open_as(cast["card_finder"])
    finder.goto("/lostfound/found/new/")
    finder.get_by_label("What is it").select_option(str(cast["card"].pk))
    finder.get_by_label("Public description").fill("蓝色校园卡，挂绳是红色的")
    finder.get_by_label("Campus ID on the card (学号/工号)").fill(cast["card_owner"].username)
    finder.get_by_label("Where exactly (or a place off the list)").fill("二食堂门口")
    submit(finder, "Report the found item")
    item = FoundItem.objects.get(finder=cast["card_finder"])
    assert (item.is_public, item.owner, item.notice_published_at) == (
        False,
        cast["card_owner"],
        None,
    )
    # The finder sees the number masked.
    assert "2024105" not in finder.inner_text("main")
    assert "***4105" in finder.inner_text("main")

    owner = open_as(cast["card_owner"])
    note = Notification.objects.get(recipient=cast["card_owner"], kind="lostfound.card_found")
    assert "图书馆一楼" in note.in_language("zh-hans")["title"]
    owner.goto("/notifications/")
    owner.locator("li.notification", has_text="图书馆一楼").wait_for()
    fits_the_phone(owner)

    # Nobody else finds it on the board, nor by searching; its page is a 404 for them.
    other = open_as(cast["impostor"])
    for address in ("/lostfound/", "/lostfound/?q=校园卡"):
        other.goto(address)
        assert "红色" not in other.inner_text("main")
    response = other.goto(f"/lostfound/found/{item.pk}/")
    assert response.status == 404


def test_an_unclaimed_umbrella_is_disposed_of_by_two_desk_people(open_as, cast):
    from datetime import timedelta

    from django.utils import timezone

    from lostfound.models import Disposal
    from lostfound.services.disposals import found_items_holding_sweep
    from tests.lostfound.factories import FoundItemFactory

    published = timezone.now() - timedelta(days=70)
    umbrella = FoundItemFactory(
        desk=cast["desk"],
        finder=cast["finder"],
        finder_wants_it=True,
        category=category("umbrella"),
        description="蓝色折叠伞，伞柄缠着白胶布",
        status="stored",
        label="LIB-00077",
        notice_published_at=published,
        holding_until=published + timedelta(days=60),
    )
    assert found_items_holding_sweep() == 1
    desk1 = open_as(cast["desk1"])
    desk1.goto("/lostfound/desk/disposals/")
    fits_the_phone(desk1)
    with desk1.expect_navigation():
        desk1.get_by_role("link", name="LIB-00077", exact=False).click()
    desk1.get_by_text("becomes state property on").wait_for()
    desk1.get_by_label("What to do with it").select_option("finder")
    desk1.get_by_label("Why").fill("保管期满无人认领，拾得人要求领回")
    submit(desk1, "Propose the disposal")
    disposal = Disposal.objects.get(item=umbrella)
    assert (disposal.status, disposal.method, disposal.proposed_by) == (
        "proposed",
        "finder",
        cast["desk1"],
    )

    desk2 = open_as(cast["desk2"])
    desk2.goto("/lostfound/desk/disposals/")
    submit(desk2, "Approve")
    disposal.refresh_from_db()
    umbrella.refresh_from_db()
    assert (disposal.status, disposal.approved_by) == ("approved", cast["desk2"])
    assert umbrella.status == "disposed"
    assert Notification.objects.filter(
        recipient=cast["finder"], kind="lostfound.disposal_finder"
    ).exists()
    desk2.goto("/lostfound/desk/register/")
    fits_the_phone(desk2)
    assert "保管期满无人认领" in desk2.inner_text("main")


def test_an_owner_writes_to_a_finder_who_keeps_the_item(open_as, cast):
    from lostfound.models import Message
    from tests.lostfound.factories import FoundItemFactory

    kept = FoundItemFactory(
        desk=cast["desk"],
        finder=cast["finder"],
        custody="finder",
        category=category("umbrella"),
        description="黑色长柄伞",
    )
    owner = open_as(cast["owner"])
    owner.goto(f"/lostfound/found/{kept.pk}/")
    with owner.expect_navigation():
        owner.get_by_role("link", name="Write to the finder").click()
    owner.get_by_label("Message").fill("伞柄上是不是有个小划痕？")
    submit(owner, "Send")
    fits_the_phone(owner)
    finder = open_as(cast["finder"])
    finder.goto(f"/lostfound/found/{kept.pk}/messages/")
    with finder.expect_navigation():
        finder.get_by_role("link", name="Person 1").click()
    assert "王丢失" not in finder.inner_text("main")
    finder.get_by_label("Message").fill("有的，明天中午图书馆门口见")
    submit(finder, "Send")
    owner.reload()
    assert "明天中午图书馆门口见" in owner.inner_text("main")
    assert "李找到" not in owner.inner_text("main")
    assert [m.from_finder for m in Message.objects.order_by("id")] == [False, True]
