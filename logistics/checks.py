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
