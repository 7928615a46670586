"""Matching lost reports with found items, claims, the handover and what each person sees."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from logistics.models import Notification
from logistics.workflow import InvalidInput, NotAllowed
from lostfound import matching, services
from lostfound.errors import AlreadyClaimed, ClaimBlocked, OwnItem, SecondPersonRequired, WrongCode
from lostfound.models import Claim, FoundItem, LostReport, Match
from reviews.models import ServiceEvent
from tests.logistics.factories import BuildingFactory, UserFactory
from tests.lostfound.factories import FoundItemFactory, LostReportFactory, category

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _found(finder, desk, **kwargs):
    values = {
        "finder": finder,
        "category": category("phone"),
        "description": "黑色华为手机，透明手机壳",
        "hidden_traits": "锁屏是一只橘猫",
        "found_at": timezone.now() - timedelta(hours=1),
        "desk": desk,
        "building": desk.building,
        "place_text": "三楼自习区",
    }
    return services.found_item_report(**(values | kwargs))


def _lost(owner, desk, **kwargs):
    now = timezone.now()
    values = {
        "owner": owner,
        "category": category("phone"),
        "description": "丢了一部华为手机，黑色的，有透明壳",
        "building": desk.building,
        "place_text": "自习区",
        "lost_from": now - timedelta(hours=5),
        "lost_until": now - timedelta(hours=2),
    }
    return services.lost_report_create(**(values | kwargs))


# --- Matching -----------------------------------------------------------------------------------


def test_a_new_item_is_proposed_to_a_fitting_lost_report(student, other_student, desk):
    report = _lost(student, desk)
    item = _found(other_student, desk)
    match = Match.objects.get(lost_report=report, found_item=item)
    assert match.status == "proposed" and match.score >= matching.THRESHOLD
    assert Notification.objects.filter(recipient=student, kind="lostfound.match").exists()


def test_a_new_report_finds_an_item_already_there(student, other_student, desk):
    item = _found(other_student, desk)
    report = _lost(student, desk)
    assert Match.objects.filter(lost_report=report, found_item=item).exists()


def test_it_matches_english_descriptions_too(student, other_student, desk):
    item = _found(other_student, desk, description="Black Huawei phone, clear case")
    report = _lost(student, desk, description="lost my black huawei phone")
    assert Match.objects.filter(lost_report=report, found_item=item).exists()


def test_it_does_not_propose_another_category_or_an_item_found_before(student, other_student, desk):
    _found(other_student, desk, category=category("keys"))
    _found(other_student, desk, found_at=timezone.now() - timedelta(days=3))
    _lost(student, desk)
    assert not Match.objects.exists()


def test_a_declined_match_is_not_proposed_again(student, other_student, desk):
    report = _lost(student, desk)
    item = _found(other_student, desk)
    match = Match.objects.get()
    page = client_for(student).post(reverse("lostfound:match-decline", args=[match.pk]))
    assert page.status_code == 302
    services.matches_for_item(item)
    services.matches_for_report(report)
    assert list(Match.objects.values_list("status", flat=True)) == ["declined"]


def test_only_the_reports_owner_declines(student, other_student, desk):
    _lost(student, desk)
    _found(other_student, desk)
    match = Match.objects.get()
    assert (
        client_for(other_student)
        .post(reverse("lostfound:match-decline", args=[match.pk]))
        .status_code
        == 404
    )
    with pytest.raises(NotAllowed):
        services.match_decline(match=match, by=other_student)


def test_the_owner_sees_the_match_on_the_report_page(student, other_student, desk):
    report = _lost(student, desk)
    item = _found(other_student, desk)
    html = client_for(student).get(report.get_absolute_url()).content.decode()
    assert item.description in html and "锁屏" not in html


def test_a_card_with_a_known_owner_is_never_proposed_to_others(student, other_student, desk):
    stranger = UserFactory(username="s7777777")
    _lost(stranger, desk, category=category("card"), description="校园卡")
    _found(
        other_student,
        desk,
        category=category("card"),
        description="校园卡",
        owner_campus_id=student.username,
    )
    assert not Match.objects.exists()


def test_scores_rank_the_same_building_above_another_campus(student, desk):
    report = LostReportFactory(
        owner=student,
        category=category("phone"),
        description="黑色华为手机",
        building=desk.building,
    )
    here = FoundItemFactory(
        category=category("phone"), description="黑色华为手机", building=desk.building, desk=desk
    )
    there = FoundItemFactory(
        category=category("phone"),
        description="黑色华为手机",
        building=BuildingFactory(),
        desk=desk,
    )
    assert matching.score(report, here) > matching.score(report, there)


# --- Claims -------------------------------------------------------------------------------------


def _claim(item, claimant, answers="锁屏是橘猫"):
    return services.claim_create(item=item, claimant=claimant, answers=answers)


def test_an_owner_claims_and_the_desk_sees_answers_beside_the_traits(
    student, other_student, desk, desk_staff
):
    item = _found(other_student, desk)
    claim = _claim(item, student)
    assert Notification.objects.filter(recipient=desk_staff, kind="lostfound.claim_created")
    html = client_for(desk_staff).get(claim.get_absolute_url()).content.decode()
    assert "锁屏是橘猫" in html and "锁屏是一只橘猫" in html
    mine = client_for(student).get(claim.get_absolute_url()).content.decode()
    assert "锁屏是一只橘猫" not in mine
    assert client_for(other_student).get(claim.get_absolute_url()).status_code == 404


def test_the_finder_cannot_claim_and_nobody_claims_twice(student, other_student, desk):
    item = _found(other_student, desk)
    with pytest.raises(OwnItem):
        _claim(item, other_student)
    _claim(item, student)
    with pytest.raises(AlreadyClaimed):
        _claim(item, student)
    with pytest.raises(InvalidInput):
        _claim(item, UserFactory(), answers=" ")


def test_three_rejections_block_the_category_for_a_day(student, other_student, desk, desk_staff):
    for _ in range(3):
        claim = _claim(_found(other_student, desk), student, answers="猜的")
        services.claim_reject(claim=claim, by=desk_staff, reason="锁屏不对")
    assert Claim.objects.filter(status="rejected", reason="锁屏不对").count() == 3
    with pytest.raises(ClaimBlocked):
        _claim(_found(other_student, desk), student)
    _claim(_found(other_student, desk, category=category("keys")), student)  # another category
    Claim.objects.update(decided_at=timezone.now() - timedelta(days=2))
    _claim(_found(other_student, desk), student)


def test_a_rejection_needs_a_reason(student, other_student, desk, desk_staff):
    claim = _claim(_found(other_student, desk), student)
    with pytest.raises(InvalidInput):
        services.claim_reject(claim=claim, by=desk_staff, reason="")


def test_handover_at_the_desk_with_the_code_and_a_second_person(
    student, other_student, desk, desk_staff, second_desk_staff
):
    report = _lost(student, desk)
    item = _found(other_student, desk)
    services.found_item_receive(item=item, by=desk_staff)
    services.found_item_confirm_intake(item=item, by=second_desk_staff)
    claim = _claim(FoundItem.objects.get(pk=item.pk), student)
    services.claim_approve(claim=claim, by=desk_staff)
    claim.refresh_from_db()
    assert len(claim.handover_code) == 6
    with pytest.raises(WrongCode):
        services.claim_hand_over(claim=claim, by=desk_staff, code="000000x")
    services.claim_hand_over(claim=claim, by=desk_staff, code=claim.handover_code)
    assert claim.status == "handover_pending"  # a phone is a valuable
    with pytest.raises(SecondPersonRequired):
        services.claim_confirm_handover(claim=claim, by=desk_staff)
    services.claim_confirm_handover(claim=claim, by=second_desk_staff)
    claim.refresh_from_db()
    item.refresh_from_db()
    assert claim.status == "handed_over" and claim.handed_by == desk_staff
    assert claim.second_by == second_desk_staff and claim.handed_over_at
    assert item.status == "returned" and item.owner == student
    assert LostReport.objects.get(pk=report.pk).status == "found"
    note = Notification.objects.get(recipient=other_student, kind="lostfound.returned")
    assert student.get_display_name() not in note.title and student.username not in note.title
    assert ServiceEvent.objects.filter(event_type="lostfound.handover", served=student).exists()


def test_handover_with_the_campus_identity(student, other_student, desk, desk_staff):
    item = _found(other_student, desk, category=category("keys"), description="钥匙")
    services.found_item_receive(item=item, by=desk_staff)
    claim = _claim(FoundItem.objects.get(pk=item.pk), student)
    services.claim_approve(claim=claim, by=desk_staff)
    services.claim_hand_over(claim=claim, by=desk_staff, identity_checked=True)
    claim.refresh_from_db()
    assert claim.status == "handed_over" and claim.handover_method == "identity"


def test_a_finder_who_kept_the_item_hands_it_over_with_the_owners_code(
    student, other_student, desk, desk_staff
):
    item = _found(other_student, desk, custody="finder")
    claim = _claim(item, student)
    client_for(desk_staff).post(reverse("lostfound:claim-approve", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == "approved"
    owner_page = client_for(student).get(claim.get_absolute_url()).content.decode()
    assert claim.handover_code in owner_page
    finder = client_for(other_student)
    assert claim.handover_code not in finder.get(item.get_absolute_url()).content.decode()
    finder.post(reverse("lostfound:finder-hand-over", args=[item.pk]), {"code": "123"})
    assert FoundItem.objects.get(pk=item.pk).status == "reported"
    finder.post(
        reverse("lostfound:finder-hand-over", args=[item.pk]), {"code": claim.handover_code}
    )
    assert FoundItem.objects.get(pk=item.pk).status == "returned"
    with pytest.raises(NotAllowed):
        services.finder_hand_over(item=item, by=student, code=claim.handover_code)


def test_a_wrong_claim_is_rejected_through_the_page(student, other_student, desk, desk_staff):
    claim = _claim(_found(other_student, desk), student, answers="锁屏是一只狗")
    page = client_for(desk_staff).post(
        reverse("lostfound:claim-reject", args=[claim.pk]), {"reason": "锁屏不是狗"}
    )
    assert page.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "rejected" and claim.decided_by == desk_staff
    assert (
        client_for(student).post(reverse("lostfound:claim-approve", args=[claim.pk])).status_code
        == 403
    )


def test_the_desk_claims_list_is_the_desks(
    student, other_student, desk, desk_staff, other_desk_staff
):
    claim = _claim(_found(other_student, desk), student)
    assert (
        claim.number
        in client_for(desk_staff).get(reverse("lostfound:desk-claims")).content.decode()
    )
    other = client_for(other_desk_staff).get(reverse("lostfound:desk-claims")).content.decode()
    assert claim.number not in other
    assert client_for(student).get(reverse("lostfound:desk-claims")).status_code == 403
