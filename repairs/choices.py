"""The queue's dropdown choices (technicians with their open jobs, categories, buildings), kept
in the cache per language and dropped when what they show changes, instead of three queries and
a few hundred model instances on every request."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

from logistics import resilience
from logistics.cache import database_name, get_or_build_many

KINDS = ("technicians", "categories", "buildings")


def _key(kind: str, language: str | None) -> str:
    # test databases share one cache: the database's name keeps their entries apart
    return f"repairs:choices:{database_name()}:{kind}:{language or '-'}"


def queue_choices() -> tuple[list, list, list]:
    """The queue's three dropdowns (technicians, categories, buildings) in one cache round trip
    (three `get`s were three of the queue's six round trips to Redis)."""
    return cached_choices(*KINDS)


def technician_choices() -> list[tuple[str, str]]:
    """The technicians with their open jobs, as the queue's dropdown shows them: the choices
    of a request's assign form, and a part of its kept page's version."""
    return cached_choices("technicians")[0]


def cached_choices(*kinds: str) -> tuple[list, ...]:
    """The choices of `kinds`, in that order, in one cache round trip; built when missing."""
    seconds = settings.REPAIRS_CHOICES_SECONDS
    if seconds <= 0:
        return tuple(BUILDERS[kind]() for kind in kinds)
    language = get_language()
    keys = {kind: _key(kind, language) for kind in kinds}
    found = get_or_build_many(
        keys, lambda missing: {kind: BUILDERS[kind]() for kind in missing}, seconds
    )
    return tuple(found[kind] for kind in kinds)


def _technicians() -> list[tuple[str, str]]:
    from repairs.forms import technician_label, technicians

    return [(str(user.pk), technician_label(user)) for user in technicians()]


def _categories() -> list[tuple[str, str]]:
    from repairs.models import Category

    rows = Category.objects.filter(is_active=True).select_related("parent")
    return [(str(c.pk), f"{c.parent} › {c}" if c.parent_id else str(c)) for c in rows]


def _buildings() -> list[tuple[str, str]]:
    from logistics.models import Building

    return [(str(b.pk), f"{b.campus} · {b}") for b in Building.objects.select_related("campus")]


BUILDERS = {"technicians": _technicians, "categories": _categories, "buildings": _buildings}


def forget(*kinds: str) -> None:
    """Drops the cached choices of `kinds` (all by default) in every language. When Redis does
    not answer, again once it does: it would still hold the old counts."""
    languages = [code for code, _name in settings.LANGUAGES]
    keys = [_key(kind, language) for kind in kinds or KINDS for language in (*languages, None)]
    try:
        with resilience.raising():
            cache.delete_many(keys)
    except Exception:  # noqa: BLE001 — logged by the cache; the next call to it drops them
        resilience.when_back(resilience.CACHE, lambda: cache.delete_many(keys))


def _forget_technicians(**kwargs) -> None:
    forget("technicians")


def _forget_places(**kwargs) -> None:
    forget("categories", "buildings")


def connect() -> None:
    """Drops the cached choices when what they show changes (called from AppConfig.ready).
    A request's steps are conditional UPDATEs without post_save: repairs.timeline.transition
    drops the technicians itself. REPAIRS_CHOICES_SECONDS bounds how long a change made
    otherwise (a bulk update in the shell) may lag."""
    from django.contrib.auth import get_user_model

    from logistics.models import Building, Campus
    from repairs.models import Category, RepairRequest

    user_model = get_user_model()
    for model in (RepairRequest, user_model):
        post_save.connect(_forget_technicians, sender=model, dispatch_uid=f"choices-{model}")
        post_delete.connect(_forget_technicians, sender=model, dispatch_uid=f"choices-d-{model}")
    m2m_changed.connect(
        _forget_technicians, sender=user_model.groups.through, dispatch_uid="choices-groups"
    )
    for model in (Category, Building, Campus):
        post_save.connect(_forget_places, sender=model, dispatch_uid=f"choices-{model}")
        post_delete.connect(_forget_places, sender=model, dispatch_uid=f"choices-d-{model}")
