"""The language switch: a GET that sets the language cookie and goes back where it came from."""

from django.conf import settings
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import check_for_language
from django.views.decorators.http import require_GET

from logistics.cas import safe_redirect_target
from logistics.i18n import user_language_set


@require_GET
def switch(request):
    """Sets the interface language (?language=) and redirects to ?next= when it stays on this
    site. A GET, not Django's POST set_language: it works without JavaScript and needs no CSRF
    token, so public pages (the cached /dining/) carry none and are the same bytes for everyone.
    Choosing a language is all a forged link can do."""
    code = request.GET.get("language", "")
    response = redirect(safe_redirect_target(request, request.GET.get("next")))
    if code in dict(settings.LANGUAGES) and check_for_language(code):
        if request.user.is_authenticated:
            # Remembered on the person too: notifications and e-mails follow it.
            user_language_set(user=request.user, language=code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    add_never_cache_headers(response)
    return response
