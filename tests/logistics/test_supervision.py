"""The city supervision document (logistics.supervision): built from the stored indicator values
and the apps' sections, valid against its JSON Schema, and free of personal data."""

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from logistics import supervision
from tests.logistics.supervision_day import PERSONAL

pytestmark = pytest.mark.django_db

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "schemas" / "supervision-daily.v1.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def entry(document, key, campus=None):
    (found,) = [i for i in document["indicators"] if i["key"] == key and i["campus"] == campus]
    return found


def xlsx_text(content: bytes) -> str:
    """Every XML part of an XLSX file, uncompressed (the file itself is a zip)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_the_document_is_valid_against_its_json_schema(city_day, validator, settings):
    settings.SUPERVISION_CAMPUS_CODE = "10999"

    document = supervision.build_document(city_day.day)

    validator.validate(json.loads(json.dumps(document)))
    assert document["schema"] == supervision.SCHEMA_ID == validator.schema["$id"]
    assert document["campus_code"] == "10999"
    assert document["date"] == city_day.day.isoformat()
    assert document["as_of"] is not None


def test_the_schema_refuses_what_the_document_must_not_be(city_day, validator):
    document = json.loads(json.dumps(supervision.build_document(city_day.day)))
    document["indicators"][0]["value"] = "12"  # a number as text
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(document)
    document = json.loads(json.dumps(supervision.build_document(city_day.day)))
    document["indicators"][0]["requester"] = PERSONAL["username"]  # an unknown field
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(document)


def test_it_holds_the_days_indicators_for_the_site_and_each_campus(city_day):
    document = supervision.build_document(city_day.day)

    filed = entry(document, "repairs.filed")
    assert filed["value"] == 2  # the two requests filed today, from the real daily source
    assert (filed["service"], filed["unit"], filed["good"]) == ("repairs", "count", "neutral")
    satisfaction = entry(document, "reviews.satisfaction.repairs")
    assert satisfaction["value"] == 4.5 and satisfaction["threshold"] == 4.6
    assert satisfaction["attention"] is True
    assert satisfaction["label"] == "维修满意度"
    assert entry(document, "reviews.satisfaction.repairs", campus="north")["value"] == 5.0
    assert entry(document, "reviews.complaints", campus="north")["value"] == 1
    # parcels are not in SUPERVISION_INDICATORS
    assert not [i for i in document["indicators"] if i["key"].startswith("parcels.")]


def test_the_setting_chooses_the_indicators(city_day, settings):
    settings.SUPERVISION_INDICATORS = ["parcels.", "reviews.complaints"]

    document = supervision.build_document(city_day.day)

    assert {i["key"] for i in document["indicators"]} == {"parcels.arrived", "reviews.complaints"}


def test_a_day_without_figures_has_no_indicators_and_no_as_of(city_day, validator):
    document = supervision.build_document(city_day.day.replace(year=2020))

    validator.validate(json.loads(json.dumps(document)))
    assert document["indicators"] == [] and document["as_of"] is None


def test_no_personal_data_leaves_in_the_json_or_the_xlsx(city_day):
    document = supervision.build_document(city_day.day)
    text = json.dumps(document, ensure_ascii=False)
    sheet = xlsx_text(supervision.xlsx_response(document).getvalue())

    assert "北一食堂" in text and "north-1" in sheet  # the check reads what was written
    for what, value in PERSONAL.items():
        assert value not in text, what
        assert value not in sheet, what


def test_the_xlsx_has_a_row_per_figure(city_day):
    from openpyxl import load_workbook

    document = supervision.build_document(city_day.day)
    response = supervision.xlsx_response(document, keys=True)

    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("section", "key", "label", "scope", "unit", "value", "previous", "attention")
    assert ("indicators", "repairs.filed", "报修量", None, "count", 2, None, "否") in rows
    rice = [row for row in rows if row[0] == "dining.benchmark_dishes"]
    assert [(row[3], row[5]) for row in rice] == [("north-1", 1.0), ("north-2", 1.5)]
    assert len(rows) == 1 + len(document["indicators"]) + len(rice) + 1  # + the campus index


def test_a_section_may_not_replace_a_field_of_the_document():
    with pytest.raises(ValueError, match="replace a field"):
        supervision.register_supervision_section("indicators", lambda day: {})


def test_the_apps_own_indicators_fit_the_schema(validator):
    """With the indicators the apps really register (not the test ones): their units, keys and
    directions are ones the schema knows."""
    from django.utils import timezone

    from logistics import daily, indicators
    from tests.repairs.factories import RepairRequestFactory

    RepairRequestFactory()
    now = timezone.now()
    today = timezone.localdate(now)
    daily.refresh(days=[today], now=now)
    indicators.refresh(days=[today], now=now)

    document = supervision.build_document(today)

    validator.validate(json.loads(json.dumps(document)))
    keys = {i["key"] for i in document["indicators"]}
    assert "repairs.filed" in keys and all(supervision.exported(key) for key in keys)


def test_its_queries_do_not_grow_with_campuses_indicators_or_dishes(
    city_day, django_assert_num_queries
):
    from tests.dining.factories import DishFactory
    from tests.logistics.factories import CampusFactory

    with django_assert_num_queries(5):
        supervision.build_document(city_day.day)
    for n in range(3):
        DishFactory(name="馒头", canteen__slug=f"more-{n}")
        CampusFactory()
    with django_assert_num_queries(5):
        document = supervision.build_document(city_day.day)
    assert len(document["dining"]["benchmark_dishes"][1]["prices"]) == 3
