"""Dispatch rules: which team or technician a new request goes to by default.

A rule matches when each of its fields is empty or fits the request: its category is the
request's category or one of its ancestors, its building is the request's building, its campus
the building's campus. Of the matching active rules the lowest priority number wins; among equal
priorities the more specific rule (nearer category, building before campus) wins.
"""

from logistics.models import Building
from repairs.models import Category, DispatchRule


def category_lineage(category: Category) -> list[int]:
    """The ids of `category` and its ancestors, nearest first."""
    ids: list[int] = []
    current = category
    while current is not None and current.pk not in ids:
        ids.append(current.pk)
        parent_id = current.parent_id
        current = Category.objects.filter(pk=parent_id).first() if parent_id else None
    return ids


def _specificity(rule: DispatchRule, lineage: list[int]) -> tuple:
    depth = lineage.index(rule.category_id) if rule.category_id else len(lineage)
    place = 0 if rule.building_id else 1 if rule.campus_id else 2
    return (rule.priority, place, depth, rule.pk)


def matching_rule(*, category: Category, building: Building | None = None) -> DispatchRule | None:
    """The dispatch rule that applies to a request of `category` in `building` (or None)."""
    lineage = category_lineage(category)
    rules = DispatchRule.objects.filter(is_active=True).select_related("team", "technician")
    rules = rules.filter(category_id__in=lineage) | rules.filter(category__isnull=True)
    candidates = [
        rule
        for rule in rules
        if (rule.building_id is None or (building and rule.building_id == building.pk))
        and (rule.campus_id is None or (building and rule.campus_id == building.campus_id))
        and (rule.technician_id is None or rule.technician.is_active)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda rule: _specificity(rule, lineage))
