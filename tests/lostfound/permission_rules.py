"""Permission-matrix rules of the lost-and-found routes; tests/test_permission_matrix.py merges
them. `rules(m)` gets the matrix module (its `rule`, presets and actor names).

The example item is the student's found campus card (never on the board): the student (its
finder) sees it, managers and superusers see every item, others get 404. Nobody of the matrix's
cast serves a desk, so the desk's pages and actions are refused (403) to all who reach them."""


def _card(cast):
    from tests.lostfound.factories import FoundItemFactory, category  # noqa: PLC0415

    item = FoundItemFactory(
        finder=cast.users["student"],
        category=category("card"),
        is_public=False,
        owner_campus_id="2024123456",
        label="",
    )
    return item


def _item(cast):
    return {"pk": _card(cast).pk}


def _labelled(cast):
    item = _card(cast)
    item.label = f"LBL-{item.pk}"
    item.save(update_fields=["label"])
    return {"pk": item.pk}


def _photo(cast):
    from tests.lostfound.factories import FoundItemPhotoFactory  # noqa: PLC0415

    photo = FoundItemPhotoFactory(item=_card(cast))
    return {"item_pk": photo.item_id, "photo_pk": photo.pk}


def _report(cast):
    from tests.lostfound.factories import LostReportFactory  # noqa: PLC0415
    from tests.repairs.factories import image_upload  # noqa: PLC0415

    return {"pk": LostReportFactory(owner=cast.users["student"], photo=image_upload()).pk}


def _claim(cast):
    from lostfound.models import Claim  # noqa: PLC0415
    from tests.lostfound.factories import FoundItemFactory  # noqa: PLC0415

    item = FoundItemFactory()
    claim = Claim.objects.create(
        item=item, claimant=cast.users["student"], category=item.category, answers="橘猫"
    )
    return {"pk": claim.pk}


def _match(cast):
    from lostfound.models import Match  # noqa: PLC0415
    from tests.lostfound.factories import FoundItemFactory, LostReportFactory  # noqa: PLC0415

    report = LostReportFactory(owner=cast.users["student"])
    return {
        "pk": Match.objects.create(lost_report=report, found_item=FoundItemFactory(), score=1).pk
    }


def _disposal(cast):
    from lostfound.models import Disposal  # noqa: PLC0415
    from tests.lostfound.factories import FoundItemFactory  # noqa: PLC0415

    item = FoundItemFactory()
    disposal = Disposal.objects.create(
        item=item, desk=item.desk, method="destroy", reason="过期", proposed_by=None
    )
    return {"pk": disposal.pk}


def _kept(cast):
    from tests.lostfound.factories import FoundItemFactory  # noqa: PLC0415

    return FoundItemFactory(finder=cast.users["student"], custody="finder", is_public=False)


def _conversation(cast):
    from lostfound.models import Conversation  # noqa: PLC0415
    from tests.logistics.factories import UserFactory  # noqa: PLC0415

    item = _kept(cast)
    conversation = Conversation.objects.create(item=item, asker=UserFactory())
    return {"pk": item.pk, "conversation_pk": conversation.pk}


def _category(cast):
    from tests.lostfound.factories import category  # noqa: PLC0415

    return {"pk": category("keys").pk}


def rules(m) -> dict:
    sees_all = (m.MANAGER, m.ADMIN)

    def owner(**methods):
        """The student's object; managers and superusers see every one; others 404."""
        expect = {(method, a): m.ALLOWED for method in methods for a in sees_all}
        return m.rule(expect=expect, **methods)

    def desk_only(kwargs=None, **methods):
        """Desk staff only: everyone signed in who reaches it is refused (403)."""
        expect = {(method, a): m.DENIED for method in methods for a in m.SIGNED_IN}
        return m.rule(kwargs=kwargs, expect=expect, why="lostfound_desk staff only", **methods)

    def desk_action():
        """A desk action on the student's item: 404 to those who do not see it, 403 to the
        rest (the finder, managers, superusers: none of them serves its desk)."""
        expect = {("post", a): m.DENIED for a in (m.STUDENT, *sees_all)}
        return m.rule(get="method-login", post="owner", kwargs=_item, expect=expect)

    return {
        "lostfound:index": m.rule(get="login", why="signed-in users unless the board is public"),
        "lostfound:mine": m.rule(get="login"),
        "lostfound:found-create": m.rule(get="login", post="login"),
        "lostfound:found-detail": owner(get="owner", kwargs=_item),
        "lostfound:found-photo": owner(get="owner", kwargs=_photo),
        "lostfound:found-label": m.rule(
            get="owner",
            kwargs=_labelled,
            expect={("get", a): m.DENIED for a in (m.STUDENT, *sees_all)},
            why="the item's desk prints labels; those who only see the item are refused",
        ),
        "lostfound:receive": desk_action(),
        "lostfound:confirm-intake": desk_action(),
        "lostfound:claim-create": owner(get="owner", post="owner", kwargs=_item),
        "lostfound:finder-hand-over": m.rule(
            get="method-login",
            post="owner",
            kwargs=_item,
            expect={("post", a): m.ALLOWED for a in sees_all},
            why="the finder's form; others who see the item are told no on the page",
        ),
        "lostfound:claim-detail": owner(get="owner", kwargs=_claim),
        **{
            f"lostfound:claim-{slug}": m.rule(
                get="method-login",
                post="owner",
                kwargs=_claim,
                expect={("post", a): m.DENIED for a in (m.STUDENT, *sees_all)},
                why="the desk's actions on a claim; the claimant and managers are refused",
            )
            for slug in ("approve", "reject", "hand-over", "confirm-handover")
        },
        "lostfound:match-decline": m.rule(get="method-login", post="owner", kwargs=_match),
        "lostfound:desk-claims": desk_only(get="login"),
        "lostfound:lost-create": m.rule(get="login", post="login"),
        "lostfound:lost-detail": owner(get="owner", kwargs=_report),
        "lostfound:lost-photo": owner(get="owner", kwargs=_report),
        "lostfound:desk": desk_only(get="login"),
        "lostfound:intake": desk_only(get="login", post="login"),
        "lostfound:labels": desk_only(get="login"),
        "lostfound:disposals": desk_only(get="login"),
        "lostfound:register": m.rule(
            get="manager", why="the desks' own register; managers and supervisors every desk's"
        ),
        "lostfound:disposal-propose": desk_action(),
        **{
            f"lostfound:disposal-{slug}": m.rule(
                get="method-login",
                post="owner",
                kwargs=_disposal,
                expect={
                    ("post", m.STUDENT): m.HIDDEN,
                    **{("post", a): m.DENIED for a in sees_all},
                },
                why="the item's desk; managers see the register but do not act for a desk",
            )
            for slug in ("approve", "cancel")
        },
        "lostfound:feed-campus": m.rule(
            get="public",
            kwargs=lambda cast: {"code": cast.campus.code},
            expect={("get", a): m.HIDDEN for a in m.ACTORS},
            why="Atom for any reader, only while the board is public (off by default: 404)",
        ),
        "lostfound:messages": owner(
            get="owner", post="owner", kwargs=lambda cast: {"pk": _kept(cast).pk}
        ),
        "lostfound:conversation": m.rule(
            get="owner",
            post="owner",
            kwargs=_conversation,
            why="the finder and the person asking; others (managers included) 404",
        ),
        "lostfound:figures": m.rule(get="manager", why="logistics managers, supervisors"),
        "lostfound:categories": m.rule(get="manager"),
        "lostfound:category-create": m.rule(get="manager", post="manager"),
        "lostfound:category-edit": m.rule(get="manager", post="manager", kwargs=_category),
        "lostfound-api:category-list": m.rule(get="login"),
        "lostfound-api:category-detail": m.rule(get="login", kwargs=_category),
        "lostfound-api:found-item-list": m.rule(get="login", post="login"),
        "lostfound-api:found-item-detail": owner(get="owner", kwargs=_item),
        "lostfound-api:lost-report-list": m.rule(get="login", post="login"),
        "lostfound-api:lost-report-detail": owner(get="owner", kwargs=_report),
        "lostfound-api:claim-list": m.rule(get="login", post="login"),
        "lostfound-api:claim-detail": owner(get="owner", kwargs=_claim),
        **{
            f"lostfound-api:claim-{slug}": m.rule(
                get="method-login",
                post="owner",
                kwargs=_claim,
                expect={("post", a): m.DENIED for a in (m.STUDENT, *sees_all)},
                why="the item's desk decides; the claimant and managers are refused",
            )
            for slug in ("approve", "reject")
        },
        "lostfound-api:match-list": m.rule(get="login"),
        "lostfound-api:match-detail": owner(get="owner", kwargs=_match),
        "lostfound-api:match-decline": m.rule(
            get="method-login",
            post="owner",
            kwargs=_match,
            expect={("post", a): m.DENIED for a in sees_all},
            why="the report's owner declines; managers see it but are refused",
        ),
    }
