"""The API's two ways in: `Authorization: Bearer <token>` for integrators' API tokens, and the
signed-in session of the pages (`SessionAuthentication`)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from logistics.models import ApiToken
from logistics.models.tokens import hash_token

# last_used_at is written at most this often per token, so a busy integrator costs no write a call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header.")) from None
        return self.authenticate_token(raw)

    def authenticate_token(self, raw: str):
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=hash_token(raw))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF checked the same), answering with the session's user
    itself rather than the lazy wrapper Django's AuthenticationMiddleware puts on the request:
    a list's serializer asks the user's roles and id for every row (about 900 attribute reads a
    50-row page of repairs), and each read through the wrapper is a function call more."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        user, auth = found
        # DRF read is_active through the wrapper, so it holds the user now.
        if type(user) is SimpleLazyObject and user._wrapped is not empty:
            user = user._wrapped
        return user, auth
