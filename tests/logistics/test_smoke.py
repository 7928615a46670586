"""The core starts, migrates and answers /api/v1/me/."""

import pytest
from django.contrib.auth.models import Group

from logistics.roles import Role


@pytest.mark.django_db
def test_it_creates_every_role_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.django_db
def test_it_returns_me(client, student):
    client.force_login(student)
    body = client.get("/api/v1/me/").json()
    assert body["username"] == "s2024001"
    assert body["roles"] == ["student"]


@pytest.mark.django_db
def test_it_refuses_me_when_anonymous(client):
    assert client.get("/api/v1/me/").status_code in (401, 403)
