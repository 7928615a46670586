"""API tokens: issued once and stored hashed, scoped, expiring, revocable; command and admin."""

import hashlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from logistics.api.permissions import all_scopes
from logistics.models import ApiToken
from logistics.roles import Role
from logistics.tokens import api_token_issue, api_token_revoke
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
BUILDINGS = "/api/v1/places/buildings/"


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_it_stores_only_the_hash_of_a_new_token(integrator):
    token, raw = api_token_issue(user=integrator, name="canteen screens", scopes="dining:read")
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert raw.startswith("clp_") and len(raw) > 40
    assert stored["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(v) for v in stored.values()}
    assert raw.startswith(stored["prefix"])
    assert stored["scopes"] == ["dining:read"]


def test_it_refuses_unknown_or_missing_scopes(integrator):
    with pytest.raises(ValidationError, match="repairs:delete"):
        api_token_issue(user=integrator, name="x", scopes="repairs:delete")
    with pytest.raises(ValidationError):
        api_token_issue(user=integrator, name="x", scopes="")
    with pytest.raises(ValidationError):
        api_token_issue(user=integrator, name="  ", scopes="places:read")
    assert not ApiToken.objects.exists()


def test_it_refuses_an_expiry_in_the_past(integrator):
    with pytest.raises(ValidationError):
        api_token_issue(
            user=integrator,
            name="x",
            scopes=["places:read"],
            expires_at=timezone.now() - timedelta(minutes=1),
        )


def test_it_authenticates_a_bearer_token_and_keeps_the_last_use(client, integrator):
    token, raw = api_token_issue(user=integrator, name="it", scopes=["places:read"])
    assert token.last_used_at is None
    response = client.get(ME, headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == integrator.username
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


@pytest.mark.parametrize(
    "header",
    ["Bearer clp_not-a-real-token", "Bearer", "Bearer a b", "bearer clp_x"],
)
def test_it_answers_401_with_bearer_challenge_for_a_bad_token(client, header):
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["code"] == "authentication_failed"
    assert set(body) == {"code", "detail", "fields", "request_id"}


def test_it_rejects_an_expired_token(client, integrator):
    token, raw = api_token_issue(
        user=integrator,
        name="old",
        scopes=["places:read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(ME, headers=bearer(raw) | {"Accept-Language": "en"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "expired" in response.json()["detail"]


def test_it_rejects_a_revoked_token(client, integrator):
    token, raw = api_token_issue(user=integrator, name="leaked", scopes=["places:read"])
    assert client.get(ME, headers=bearer(raw)).status_code == 200
    assert api_token_revoke(token=token) is True
    assert api_token_revoke(token=token) is False
    response = client.get(ME, headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_it_rejects_the_token_of_a_deactivated_user(client, integrator):
    _, raw = api_token_issue(user=integrator, name="it", scopes=["places:read"])
    integrator.is_active = False
    integrator.save(update_fields=["is_active"])
    assert client.get(ME, headers=bearer(raw)).status_code == 401


def test_it_refuses_a_token_without_the_scope_with_a_clear_403(client, integrator):
    _, raw = api_token_issue(user=integrator, name="dining", scopes=["dining:read"])
    response = client.get(BUILDINGS, headers=bearer(raw))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "places:read" in body["detail"]


def test_it_refuses_a_write_with_a_read_only_token_even_for_a_manager(client, manager):
    _, raw = api_token_issue(user=manager, name="ro", scopes=["places:read"])
    campus = {"code": "north", "name": "北校区"}
    response = client.post(
        "/api/v1/places/campuses/", campus, content_type="application/json", headers=bearer(raw)
    )
    assert response.status_code == 403
    assert "places:write" in response.json()["detail"]
    assert client.get(BUILDINGS, headers=bearer(raw)).status_code == 200


def test_it_lets_a_scoped_token_write_for_a_manager(client, manager):
    _, raw = api_token_issue(user=manager, name="rw", scopes=["places:read", "places:write"])
    response = client.post(
        "/api/v1/places/campuses/",
        {"code": "north", "name": "北校区"},
        content_type="application/json",
        headers=bearer(raw),
    )
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "north"


def test_it_keeps_role_limits_for_a_token_with_every_scope(client, integrator):
    _, raw = api_token_issue(user=integrator, name="all", scopes=all_scopes())
    response = client.post(
        "/api/v1/places/campuses/",
        {"code": "north", "name": "北校区"},
        content_type="application/json",
        headers=bearer(raw),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- manage.py issue_api_token ---------------------------------------------------------------


def test_it_issues_a_token_from_the_command_and_prints_it_once(client, integrator):
    out, err = StringIO(), StringIO()
    call_command(
        "issue_api_token",
        integrator.username,
        "--scopes",
        "places:read,dining:read",
        "--name",
        "digital signage",
        "--expires-in-days",
        "30",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    assert re.fullmatch(r"clp_[A-Za-z0-9_\-]{40,}", raw)
    assert raw not in err.getvalue()
    token = ApiToken.objects.get(user=integrator)
    assert token.name == "digital signage"
    assert token.scopes == ["dining:read", "places:read"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert client.get(BUILDINGS, headers=bearer(raw)).status_code == 200


def test_it_refuses_bad_command_input(integrator):
    with translation.override("en"), pytest.raises(CommandError, match="Unknown scope"):
        call_command("issue_api_token", integrator.username, "--scopes", "x:y", "--name", "n")
    with pytest.raises(CommandError, match="nobody"):
        call_command("issue_api_token", "nobody", "--scopes", "places:read", "--name", "n")
    assert not ApiToken.objects.exists()


# --- Admin -----------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_it_shows_a_new_token_once_in_the_admin_and_never_its_hash(client, superuser, integrator):
    client.force_login(superuser)
    response = client.post(
        "/admin/logistics/apitoken/add/",
        {"user": integrator.pk, "name": "open data", "scopes": ["places:read", "dining:read"]},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="open data")
    page = response.content.decode()
    raw = re.search(r"clp_[A-Za-z0-9_\-]{40,}", page).group(0)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.scopes == ["dining:read", "places:read"]
    assert token.key_hash not in page
    detail = client.get(f"/admin/logistics/apitoken/{token.pk}/change/").content.decode()
    assert raw not in detail and token.key_hash not in detail
    listing = client.get("/admin/logistics/apitoken/").content.decode()
    assert raw not in listing and token.key_hash not in listing


def test_it_revokes_tokens_with_the_admin_action(client, superuser, integrator):
    token, raw = api_token_issue(user=integrator, name="t", scopes=["places:read"])
    client.force_login(superuser)
    client.post(
        "/admin/logistics/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(ME, headers=bearer(raw)).status_code == 401


def test_it_hides_other_users_tokens_from_a_staff_member(client, integrator):
    staff = UserFactory(username="staff1", is_staff=True, roles=[Role.LOGISTICS_MANAGER])
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="_apitoken"))
    mine, _ = api_token_issue(user=staff, name="my own token", scopes=["places:read"])
    theirs, _ = api_token_issue(user=integrator, name="someone else's", scopes=["places:read"])
    client.force_login(staff)
    listing = client.get("/admin/logistics/apitoken/").content.decode()
    assert "my own token" in listing
    assert "someone else" not in listing
    assert client.get(f"/admin/logistics/apitoken/{theirs.pk}/change/").status_code == 302
    assert client.get(f"/admin/logistics/apitoken/{mine.pk}/change/").status_code == 200
