"""Permission-matrix rules of the reviews routes; tests/test_permission_matrix.py merges them.

`rules(m)` gets the matrix module (its `rule`, presets and actor names) and returns entries
keyed like RULES. Each part of reviews (reviews, complaints, indices, API) adds its routes here.
"""


def rules(m) -> dict:
    entries: dict = {}
    entries.update(_integration_rules(m))
    entries.update(_index_rules(m))
    entries.update(_review_rules(m))
    entries.update(_complaint_rules(m))
    return entries


# --- rv-integ: the apps' entries into reviews ---------------------------------------------------


def _integration_rules(m) -> dict:
    from tests.dining.factories import DishFactory  # noqa: PLC0415

    return {
        # "Rate this dish": any signed-in eater; a bad or missing date is a message, not a 4xx.
        "dining:dish-rate": m.rule(
            get="method", post="login", kwargs=lambda cast: {"pk": DishFactory().pk}
        ),
    }


# --- rv-indices: satisfaction indices (pages and API) -------------------------------------------


def _index_rules(m) -> dict:
    from tests.reviews.factories import IndexRowFactory, SubjectFactory  # noqa: PLC0415

    why = "rankings and exports: logistics managers, supervisors and superusers; students 403"
    staff = (m.TECH, m.ELSEWHERE)  # staff of units the example subjects are not
    staff_see_theirs = {("get", a): m.ALLOWED for a in staff}
    not_theirs = {("get", a): m.HIDDEN for a in staff}
    return {
        "reviews:index-overview": m.rule(get="manager", why=why),
        "reviews:index-export": m.rule(get="manager", why=why),
        "reviews:index-subject": m.rule(
            get="manager",
            kwargs=lambda cast: {"subject_pk": SubjectFactory().pk},
            expect=not_theirs,
            why="managers every subject; staff their own (others 404); students 403",
        ),
        "reviews:index-mine": m.rule(
            get="manager", expect=staff_see_theirs, why="staff see their own scores; students 403"
        ),
        "reviews-api:index-list": m.rule(
            get="manager", expect=staff_see_theirs, why="staff: the rows of their own subjects"
        ),
        "reviews-api:index-detail": m.rule(
            get="manager",
            kwargs=lambda cast: {"pk": IndexRowFactory().pk},
            expect=not_theirs,
            why="staff: a row of a subject not theirs is 404",
        ),
    }


# --- rv-complaints: complaints and suggestions (pages and API) ---------------------------------

COMPLAINT_ACTIONS = ("acknowledge", "reply", "resolve", "confirm", "reopen", "withdraw", "reassign")
# Who is refused (403) an action with an empty body on a freshly submitted complaint of the
# student. The pages let the service check who may act before any input, so every stranger to
# the step is refused; the API validates the body first (400) where a field is required.
COMPLAINT_PAGE_DENIED = {
    **dict.fromkeys(("acknowledge", "reply", "resolve", "reassign"), {"student"}),
    **dict.fromkeys(("confirm", "reopen", "withdraw"), {"manager", "admin"}),
}
COMPLAINT_API_DENIED = {"acknowledge": {"student"}, "withdraw": {"manager", "admin"}}


def _complaint_rules(m) -> dict:
    from tests.reviews.factories import ComplaintFactory  # noqa: PLC0415

    def complaint(cast):
        return {"pk": ComplaintFactory(author=cast.users[m.STUDENT]).pk}

    seen_by_managers = {("get", a): m.ALLOWED for a in (m.MANAGER, m.ADMIN)}

    def action(denied):
        expect = {("post", a): m.ALLOWED for a in (m.MANAGER, m.ADMIN)}
        expect |= {("post", a): m.DENIED for a in denied}
        return m.rule(get="method-login", post="owner", kwargs=complaint, expect=expect)

    return {
        "reviews:complaint-list": m.rule(get="login", why="mine, or the department inbox"),
        "reviews:complaint-new": m.rule(get="login", post="login"),
        "reviews:complaint-board": m.rule(get="public", why="anonymised 'you said, we did'"),
        "reviews:complaint-detail": m.rule(
            get="owner", kwargs=complaint, expect=seen_by_managers, why="author, unit, managers"
        ),
        **{
            f"reviews:complaint-{name}": action(COMPLAINT_PAGE_DENIED[name])
            for name in COMPLAINT_ACTIONS
        },
        # The reviews API's index page (DefaultRouter); no other part declared it.
        "reviews-api:api-root": m.rule(get="login"),
        "reviews-api:complaint-list": m.rule(get="login", post="login"),
        "reviews-api:complaint-detail": m.rule(
            get="owner", kwargs=complaint, expect=seen_by_managers
        ),
        **{
            f"reviews-api:complaint-{name}": action(COMPLAINT_API_DENIED.get(name, ()))
            for name in COMPLAINT_ACTIONS
        },
    }


# --- rv-core: rating events, my reviews, moderation, staff list, follow-ups (pages and API) ----


def _student_event(m):
    from tests.reviews.factories import ServiceEventFactory  # noqa: PLC0415

    return lambda cast: {"pk": ServiceEventFactory(served=cast.users[m.STUDENT]).pk}


def _student_review(cast, m):
    from tests.reviews.factories import ReviewFactory, ServiceEventFactory  # noqa: PLC0415

    return ReviewFactory(event=ServiceEventFactory(served=cast.users[m.STUDENT]), stars=1)


def _student_photo(m):
    def kwargs(cast):
        from reviews.models import ReviewPhoto  # noqa: PLC0415
        from tests.repairs.factories import image_upload  # noqa: PLC0415

        review = _student_review(cast, m)
        photo = ReviewPhoto(review=review, width=64, height=48)
        photo.image.save("p.jpg", image_upload(), save=True)
        return {"pk": review.pk, "photo_pk": photo.pk}

    return kwargs


def _student_follow_up(m):
    def kwargs(cast):
        from reviews.models import FollowUp  # noqa: PLC0415

        review = _student_review(cast, m)
        follow_up = FollowUp.objects.create(review=review, role="repair_dispatcher")
        return {"pk": follow_up.pk}

    return kwargs


def _review_rules(m) -> dict:
    review = lambda cast: {"pk": _student_review(cast, m).pk}  # noqa: E731
    # The student's review: theirs; managers and superusers see every review; others 404.
    seen_by_managers = {(meth, a): m.ALLOWED for meth in ("get",) for a in (m.MANAGER, m.ADMIN)}
    # Follow-ups: repair dispatchers of the unit and managers; the author never (404).
    follow_up = {("get", m.STUDENT): m.HIDDEN, ("get", m.MANAGER): m.ALLOWED}
    follow_up |= {("get", m.ADMIN): m.ALLOWED}
    follow_up_post = {("post", a): o for (_, a), o in follow_up.items()}
    moderate = {("post", m.STUDENT): m.DENIED}
    moderate |= {("post", a): m.ALLOWED for a in (m.MANAGER, m.ADMIN)}
    staff_why = "staff of a unit, managers, supervisors and superusers; students 403"
    return {
        "reviews:index": m.rule(get="login", why="my reviews: anyone signed in"),
        "reviews:event-review": m.rule(
            get="owner", post="owner", kwargs=_student_event(m), why="only the person served"
        ),
        "reviews:review-detail": m.rule(get="owner", kwargs=review, expect=seen_by_managers),
        "reviews:review-edit": m.rule(
            get="owner", post="owner", kwargs=review, why="only the author edits"
        ),
        "reviews:review-photo": m.rule(
            get="owner", kwargs=_student_photo(m), expect=seen_by_managers
        ),
        "reviews:review-hide": m.rule(get="method-login", post="manager", kwargs=review),
        "reviews:review-show": m.rule(get="method-login", post="manager", kwargs=review),
        "reviews:review-list": m.rule(
            get="manager",
            expect={("get", a): m.ALLOWED for a in (m.TECH, m.ELSEWHERE)},
            why=staff_why,
        ),
        "reviews:moderation": m.rule(get="manager", why="managers, supervisors, superusers"),
        "reviews:follow-up-list": m.rule(
            get="manager",
            expect={("get", m.ELSEWHERE): m.ALLOWED},
            why="holders of a follow-up role (dispatchers, of any unit: their own) and managers",
        ),
        "reviews:follow-up-detail": m.rule(
            get="owner", kwargs=_student_follow_up(m), expect=follow_up
        ),
        "reviews:follow-up-close": m.rule(
            get="method-login", post="owner", kwargs=_student_follow_up(m), expect=follow_up_post
        ),
        "reviews-api:review-list": m.rule(get="login", post="login", why="the served rate"),
        "reviews-api:review-detail": m.rule(
            get="owner",
            patch="owner",
            kwargs=review,
            expect=seen_by_managers | {("patch", a): m.DENIED for a in (m.MANAGER, m.ADMIN)},
            why="managers read every review; only the author edits (403 to others who see it)",
        ),
        "reviews-api:review-hide": m.rule(
            get="method-login", post="owner", kwargs=review, expect=moderate
        ),
        "reviews-api:review-show": m.rule(
            get="method-login", post="owner", kwargs=review, expect=moderate
        ),
        "reviews-api:event-list": m.rule(get="login", why="my events only"),
        "reviews-api:event-detail": m.rule(get="owner", kwargs=_student_event(m)),
        "reviews-api:follow-up-list": m.rule(get="login", why="scoped: students get none"),
        "reviews-api:follow-up-detail": m.rule(
            get="owner", kwargs=_student_follow_up(m), expect=follow_up
        ),
        "reviews-api:follow-up-close": m.rule(
            get="method-login", post="owner", kwargs=_student_follow_up(m), expect=follow_up_post
        ),
        **{
            f"admin:reviews_{model}_add": m.rule(
                get="staff",
                expect={("get", m.ADMIN): m.DENIED},
                why="written by the services (events, reviews, follow-ups), never by hand",
            )
            for model in (
                "subject",
                "serviceevent",
                "invitation",
                "review",
                "moderation",
                "followup",
            )
        },
        "admin:reviews_moderation_delete": m.rule(
            get="staff",
            expect={("get", m.ADMIN): m.DENIED},
            why="the record of moderation is kept, never deleted by hand",
        ),
    }
