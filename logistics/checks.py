"""System checks of the portal's own configuration."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def broker_configured(app_configs, **kwargs):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return [
            Warning(
                "REDIS_URL is not set: Celery tasks run in-process and the cache is local memory.",
                hint="Set REDIS_URL and run `make worker` and `make beat` in production.",
                id="logistics.W001",
            )
        ]
    return []


@register(deploy=True)
def production_services(app_configs, **kwargs):
    """What works on a laptop but loses data or mail on a server."""
    warnings = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        warnings.append(
            Warning(
                "DATABASE_URL is not set: the portal stores its data in a SQLite file.",
                hint="Use PostgreSQL in production: DATABASE_URL=postgres://user:pw@host/portal.",
                id="logistics.W002",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "dummy.EmailBackend")):
        warnings.append(
            Warning(
                "EMAIL_URL is not set: notification e-mails are only written to the log.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.edu.cn:587.",
                id="logistics.W003",
            )
        )
    return warnings


@register(deploy=True)
def https_urls(app_configs, **kwargs):
    """Links in e-mails and the CAS round trip must not leave HTTPS."""
    warnings = []
    if not settings.SITE_URL.startswith("https://"):
        warnings.append(
            Warning(
                "PORTAL_SITE_URL is not an https:// URL; links in e-mails and feeds would be "
                "plain HTTP.",
                hint="Set PORTAL_SITE_URL=https://<the portal's host name>.",
                id="logistics.W004",
            )
        )
    if settings.CAS_SERVER_URL and not settings.CAS_SERVER_URL.startswith("https://"):
        warnings.append(
            Warning(
                "CAS_SERVER_URL is not an https:// URL; tickets and attributes would cross the "
                "network unencrypted.",
                hint="Use the CAS server's https:// address.",
                id="logistics.W005",
            )
        )
    return warnings


@register(deploy=True)
def supervision_push(app_configs, **kwargs):
    """The city supervision push crosses the internet: over HTTPS, signed with a real secret,
    and saying which school it is from."""
    if not settings.SUPERVISION_PUSH_URL:
        return []
    warnings = []
    if not settings.SUPERVISION_PUSH_URL.startswith("https://"):
        warnings.append(
            Warning(
                "SUPERVISION_PUSH_URL is not an https:// URL; the city supervision document "
                "would cross the network unencrypted.",
                hint="Use the city platform's https:// address.",
                id="logistics.W006",
            )
        )
    if len(settings.SUPERVISION_PUSH_SECRET) < 16 or not settings.SUPERVISION_CAMPUS_CODE:
        warnings.append(
            Warning(
                "SUPERVISION_PUSH_SECRET (at least 16 characters) or SUPERVISION_CAMPUS_CODE is "
                "missing; the city platform could not verify or place the pushed documents.",
                hint="Set both to what the city platform gave the school (docs/supervision.md).",
                id="logistics.W007",
            )
        )
    return warnings
