"""Users of the test CAS server: read from a JSON file the tests write, on every request.

{"s2024101": {"password": "...", "attributes": {"affiliation": ["student"], "mail": "..."}}}
Reading the file each time lets a test change a user's attributes between two logins.
"""

import json
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.crypto import constant_time_compare


def load_users() -> dict:
    path = Path(os.environ["CAS_TEST_USERS"])
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class UsersFileBackend(ModelBackend):
    """Checks the password against the users file; the CAS server's own user is made on demand."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        entry = load_users().get(username or "")
        if not entry or not constant_time_compare(entry["password"], password or ""):
            return None
        user, _created = get_user_model().objects.get_or_create(username=username)
        return user


def released_attributes(user, service) -> dict:
    """The attributes the CAS server releases to the portal (MAMA_CAS_SERVICES CALLBACKS)."""
    return load_users().get(user.get_username(), {}).get("attributes", {})
