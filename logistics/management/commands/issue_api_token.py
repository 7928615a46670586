"""`manage.py issue_api_token USERNAME --scopes a:read,b:read --name "…"`: prints the token once."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from logistics.api.permissions import all_scopes
from logistics.models import User
from logistics.tokens import api_token_issue


class Command(BaseCommand):
    help = (
        "Issues an API token for a user and prints it once; only its hash is stored. "
        f"Scopes: {', '.join(all_scopes())}."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The campus ID of the token's owner.")
        parser.add_argument(
            "--scopes", required=True, help="Comma-separated, e.g. repairs:read,dining:read."
        )
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Expire after N days (default never)."
        )

    def handle(self, *args, username, scopes, name, expires_in_days, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the campus ID {username!r}.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            token, raw = api_token_issue(user=user, name=name, scopes=scopes, expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stderr.write(
            f"Token {token.name!r} for {user.username} with scopes {', '.join(token.scopes)}"
            + (f", expiring {token.expires_at:%Y-%m-%d %H:%M %Z}" if token.expires_at else "")
            + ". It is shown only now; store it safely:"
        )
        self.stdout.write(raw)
