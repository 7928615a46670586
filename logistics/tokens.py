"""Services for API tokens: issue (the raw token is shown once, only its hash kept) and revoke."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import ApiToken, User


def parse_scopes(scopes: str | Iterable[str]) -> list[str]:
    """Scopes from a comma/space separated string or a list; unknown ones raise ValidationError."""
    from logistics.api.permissions import all_scopes

    if isinstance(scopes, str):
        scopes = scopes.replace(",", " ").split()
    known = all_scopes()
    cleaned = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in cleaned if s not in known]
    if unknown:
        raise ValidationError(
            _("Unknown scope(s): %(unknown)s. Known scopes: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(known)},
            code="invalid_scope",
        )
    if not cleaned:
        raise ValidationError(_("Give the token at least one scope."), code="no_scope")
    return cleaned


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, scopes: str | Iterable[str], expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Creates a token for `user`; returns it and the raw secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."), code="no_name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must lie in the future."), code="expired")
    raw, prefix, key_hash = ApiToken.generate()
    token = ApiToken(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=key_hash,
        scopes=parse_scopes(scopes),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> bool:
    """Revokes the token from now on; returns False when it was revoked already."""
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if updated:
        token.revoked_at = now
    return bool(updated)
