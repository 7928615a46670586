"""Input checks of the repair services: places, answers to category questions, photos, reasons,
ratings, labour time. Each raises django's ValidationError keyed by the argument's name."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from logistics.roles import Role
from logistics.uploads import clean_images
from logistics.validation import check_offset, forbidden_character
from repairs.models import CategoryQuestion, RepairRequest
from repairs.permissions import NOT_ALLOWED


def required_text(field: str, value: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def clean_photos(photos, *, limit: int | None = None) -> list:
    limit = settings.REPAIRS_MAX_PHOTOS if limit is None else limit
    return clean_images(photos, limit=limit)


def clean_answers(*, category, answers: dict | None) -> dict:
    """The answers to the category's questions, checked and normalised (unknown codes dropped);
    raises ValidationError({"answers": [...]}) naming each bad or missing answer."""
    answers = answers or {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Answers must be given per question.")})
    cleaned, errors = {}, []
    for question in category.questions.all():
        value = answers.get(question.code)
        if value in (None, "", []):
            if question.required:
                errors.append(
                    _("%(question)s: this answer is required.")
                    % {"question": question.localized_label}
                )
            continue
        try:
            cleaned[question.code] = _clean_answer(question, value)
        except ValueError:
            errors.append(
                _("%(question)s: this answer is not valid.")
                % {"question": question.localized_label}
            )
    if errors:
        raise ValidationError({"answers": errors})
    return cleaned


def _clean_answer(question, value):
    kind = question.kind
    keys = {str(choice.get("key")) for choice in question.choices or [] if isinstance(choice, dict)}
    if kind == CategoryQuestion.Kind.NUMBER:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(value) from None
        if not number.is_finite():
            raise ValueError(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CategoryQuestion.Kind.DATETIME:
        moment = parse_datetime(str(value).strip())
        if moment is None:
            raise ValueError(value)
        try:
            check_offset(moment)
        except ValidationError:
            raise ValueError(value) from None
        return moment.isoformat()
    if kind == CategoryQuestion.Kind.SINGLE:
        if str(value) not in keys:
            raise ValueError(value)
        return str(value)
    if kind == CategoryQuestion.Kind.MULTI:
        values = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
        if not values or not set(values) <= keys:
            raise ValueError(value)
        return values
    text = str(value).strip()[: 2000 if kind == CategoryQuestion.Kind.TEXT else 200]
    if forbidden_character(text):
        raise ValueError(value)
    return text


def place_errors(*, building, room, place_text: str) -> dict:
    errors = {}
    if room is not None and building is not None and room.building_id != building.pk:
        errors["room"] = _("This room is not in the chosen building.")
    if room is None and building is None and not place_text:
        errors["place_text"] = _("Choose a building and room, or describe the place.")
    return errors


def filing_errors(*, category, description, urgency) -> dict:
    errors = {}
    if not category.is_active:
        errors["category"] = _("This category is not available.")
    if not (description or "").strip():
        errors["description"] = _("Describe the fault.")
    if urgency not in RepairRequest.Urgency.values:
        errors["urgency"] = _("Choose a valid urgency.")
    return errors


def clean_filing(
    *, requester, category, description, urgency, building, room, place_text, answers, photos
):
    """Every input error of a filing at once, or the cleaned (answers, images)."""
    if not (requester and requester.is_authenticated and requester.is_active):
        raise PermissionDenied(NOT_ALLOWED)
    errors = filing_errors(category=category, description=description, urgency=urgency)
    errors |= place_errors(building=building, room=room, place_text=place_text)
    cleaned = {}
    for name, clean in (
        ("answers", lambda: clean_answers(category=category, answers=answers)),
        ("photos", lambda: clean_photos(photos)),
    ):
        try:
            cleaned[name] = clean()
        except ValidationError as error:
            errors |= error.message_dict
    if errors:
        raise ValidationError(errors)
    return cleaned["answers"], cleaned["photos"]


def clean_technician(technician):
    if not (technician and technician.is_active and technician.has_role(Role.TECHNICIAN)):
        raise ValidationError({"technician": _("Choose an active technician.")})
    return technician


def clean_labour(labour_minutes):
    if labour_minutes in (None, ""):
        return None
    try:
        minutes = int(labour_minutes)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= 100_000:
        raise ValidationError({"labour_minutes": _("Give the labour time in whole minutes.")})
    return minutes


def clean_rating(rating) -> int:
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5 or str(rating).strip() not in {str(value), f"{value}.0"}:
        raise ValidationError({"rating": _("Give a rating from 1 to 5.")})
    return value
