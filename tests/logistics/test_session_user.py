"""The session's user is read with its roles, staff scopes and the bell's unread count in one
query (logistics.backends): what it reads is what the separate queries read, a change shows at the
next request, sessions signed in before keep working, a wrong password is checked once."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from logistics.backends import PortalModelBackend
from logistics.models import Notification, StaffScope, User
from logistics.notifications import (
    notifications_mark_all_read,
    notify,
    unread_notification_count,
)
from logistics.roles import Role
from tests.logistics.factories import BuildingFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "right-pass-123"
BACKEND = "logistics.backends.PortalModelBackend"


def notify_user(user, count=1):
    for i in range(count):
        notify(recipients=[user], kind="repairs.assigned", title=f"派单{i}")


def request_user(response) -> User:
    return response.wsgi_request.user


def test_the_bell_reads_the_user_roles_and_count_in_one_query(
    client, student, django_assert_num_queries
):
    notify_user(student, 3)
    client.force_login(student)

    # the session is cached; the user's row brings its roles and unread count
    with django_assert_num_queries(1):
        response = client.get(reverse("notifications:bell"))

    assert response.status_code == 200
    assert response.context["unread_notification_count"] == 3
    assert request_user(response).role_names == frozenset({Role.STUDENT})
    assert client.session["_auth_user_backend"] == BACKEND


def test_what_it_reads_is_what_the_separate_queries_read(student):
    Group.objects.create(name="楼长,助理")  # a group that is not a role, a comma in its name
    student.groups.add(*Group.objects.filter(name__in=["楼长,助理", Role.TECHNICIAN]))
    notify_user(student, 2)
    Notification.objects.filter(recipient=student).update(read_at=None)
    plain = User.objects.get(pk=student.pk)

    user = PortalModelBackend().get_user(student.pk)

    assert user.role_names == plain.role_names == {Role.STUDENT, Role.TECHNICIAN, "楼长,助理"}
    assert unread_notification_count(user) == unread_notification_count(plain) == 2
    # every column as the ORM reads it (its converters too: SQLite's times come as text)
    student.last_login = timezone.now()
    student.save(update_fields=["last_login"])
    plain = User.objects.get(pk=student.pk)
    user = PortalModelBackend().get_user(student.pk)
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(plain, field.attname), field.attname
    assert user.last_login.tzinfo is not None and user.date_joined.tzinfo is not None
    assert (user._state.adding, user._state.db) == (False, "default")


def test_its_staff_scopes_are_the_rows_the_separate_query_reads(student, django_assert_num_queries):
    department, building = DepartmentFactory(), BuildingFactory()
    student.groups.add(*Group.objects.filter(name__in=[Role.REPAIR_DISPATCHER, Role.DORM_MANAGER]))
    StaffScope.objects.create(user=student, role=Role.DORM_MANAGER, building=building)
    StaffScope.objects.create(
        user=student, role=Role.REPAIR_DISPATCHER, department=department, building=building
    )
    StaffScope.objects.create(user=student, role=Role.REPAIR_DISPATCHER, department=department)
    plain = User.objects.get(pk=student.pk)

    with django_assert_num_queries(1):
        user = PortalModelBackend().get_user(student.pk)
        rows = user.scope_rows

    def fields(scopes):
        return [(s.pk, s.user_id, s.role, s.department_id, s.building_id) for s in scopes]

    assert fields(rows) == fields(plain.scope_rows)
    assert user.scopes() == rows
    assert user.scopes(Role.DORM_MANAGER) == rows[:1]
    assert user.scopes(Role.REPAIR_DISPATCHER, Role.TECHNICIAN) == rows[1:]
    assert [type(row.pk) for row in rows] == [int] * 3
    assert all(not row._state.adding and row.user is user for row in rows)
    # their units are read when asked for, as the rows of the separate query hold them
    assert rows[0].building == plain.scope_rows[0].building == building
    assert rows[2].department == department


def test_a_user_without_roles_or_notifications_reads_empty(db):
    bare = UserFactory(username="nobody")

    user = PortalModelBackend().get_user(bare.pk)

    assert user.role_names == frozenset()
    assert user.scope_rows == []
    assert unread_notification_count(user) == 0
    assert PortalModelBackend().get_user(bare.pk + 10_000) is None


def test_changes_show_at_the_next_request(client, student):
    client.force_login(student)
    bell = reverse("notifications:bell")
    assert request_user(client.get(bell)).role_names == {Role.STUDENT}

    student.groups.add(Group.objects.get(name=Role.REPAIR_DISPATCHER))
    notify_user(student, 2)
    response = client.get(bell)
    assert request_user(response).role_names == {Role.STUDENT, Role.REPAIR_DISPATCHER}
    assert response.context["unread_notification_count"] == 2

    client.post(reverse("notifications:mark-all-read"))
    student.groups.remove(Group.objects.get(name=Role.REPAIR_DISPATCHER))
    response = client.get(bell)
    assert request_user(response).role_names == {Role.STUDENT}
    assert response.context["unread_notification_count"] == 0


def test_a_scope_given_or_taken_shows_at_the_next_request(client, db):
    dispatcher = UserFactory(username="d1", roles=[Role.REPAIR_DISPATCHER])
    client.force_login(dispatcher)
    bell = reverse("notifications:bell")
    assert request_user(client.get(bell)).scope_rows == []

    scope = StaffScope.objects.create(
        user=dispatcher, role=Role.REPAIR_DISPATCHER, building=BuildingFactory()
    )
    rows = request_user(client.get(bell)).scope_rows
    assert [(row.pk, row.building_id) for row in rows] == [(scope.pk, scope.building_id)]

    scope.delete()
    assert request_user(client.get(bell)).scope_rows == []


def test_marking_all_read_drops_the_count_read_with_the_user(student):
    notify_user(student, 2)
    user = PortalModelBackend().get_user(student.pk)
    assert unread_notification_count(user) == 2

    assert notifications_mark_all_read(user=user) == 2

    assert unread_notification_count(user) == 0


def test_an_inactive_user_is_anonymous(client, student):
    client.force_login(student)
    User.objects.filter(pk=student.pk).update(is_active=False)

    response = client.get(reverse("notifications:bell"))

    assert response.status_code == 302
    assert not request_user(response).is_authenticated


def test_a_session_signed_in_before_keeps_working(client, student):
    """Sessions name the backend that signed them in: Django's ModelBackend, before."""
    notify_user(student)
    client.force_login(student, backend="django.contrib.auth.backends.ModelBackend")

    response = client.get(reverse("notifications:bell"))

    assert response.status_code == 200
    assert request_user(response).pk == student.pk
    assert request_user(response).role_names == {Role.STUDENT}
    assert response.context["unread_notification_count"] == 1


class CountingBackend(ModelBackend):
    """Django's ModelBackend, counting the passwords it is asked to check."""

    checked = 0

    def authenticate(self, request, username=None, password=None, **kwargs):
        CountingBackend.checked += 1
        return super().authenticate(request, username=username, password=password, **kwargs)


@pytest.fixture
def local_backends(settings):
    settings.CAS_SERVER_URL = None
    settings.AUTHENTICATION_BACKENDS = [
        "logistics.safeguards.LoginLimitBackend",
        BACKEND,
        f"{__name__}.CountingBackend",
    ]
    CountingBackend.checked = 0
    return settings


def test_a_wrong_password_is_checked_once_and_counted_once(client, local_backends):
    UserFactory(username="s1", password=PASSWORD)

    response = client.post(reverse("login"), {"username": "s1", "password": "wrong"})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert CountingBackend.checked == 0
    assert AccessAttempt.objects.get(username="s1").failures_since_start == 1


def test_the_right_password_signs_in_through_the_portal_backend(client, local_backends):
    user = UserFactory(username="s1", password=PASSWORD)

    response = client.post(reverse("login"), {"username": "s1", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session["_auth_user_backend"] == BACKEND
    assert CountingBackend.checked == 0
