"""`logistics.staticfiles`: the settings' static storages answer the addresses Django's and
whitenoise's storages answer, each worked out once per process."""

import json

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage
from django.templatetags.static import static
from whitenoise.storage import CompressedManifestStaticFilesStorage

from logistics.staticfiles import ManifestStorage, PlainStorage, RememberedUrls

NAMES = ["css/portal.css", "vendor/htmx.min.js", "img/favicon.svg", "a file/名字.js"]


def test_the_settings_use_a_storage_that_remembers_addresses():
    static("css/portal.css")  # the lazy storage is made
    assert isinstance(staticfiles_storage._wrapped, RememberedUrls)


@pytest.mark.parametrize("name", NAMES)
def test_a_plain_storage_answers_django_s_address_and_remembers_it(name):
    storage = PlainStorage(base_url="/static/")
    expected = StaticFilesStorage(base_url="/static/").url(name)
    assert storage.url(name) == expected
    assert storage._remembered_urls == {name: expected}
    assert storage.url(name) == expected


@pytest.fixture
def manifest(tmp_path):
    paths = {name: name.replace(".", ".0123abcd.", 1) for name in NAMES}
    content = {"paths": paths, "version": "1.1", "hash": "0123abcd"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(content))
    return tmp_path


@pytest.mark.parametrize("name", NAMES)
def test_a_manifest_storage_answers_whitenoise_s_hashed_address_and_remembers_it(
    name, manifest, settings
):
    settings.DEBUG = False  # (in DEBUG the manifest is not read)
    storage = ManifestStorage(location=manifest, base_url="/static/")
    expected = CompressedManifestStaticFilesStorage(location=manifest, base_url="/static/").url(
        name
    )
    assert ".0123abcd." in expected
    assert storage.url(name) == expected
    assert storage.url(name) == expected
    assert list(storage._remembered_urls) == [name]
    assert storage.url(name, force=True) == expected  # asked as it is, not remembered


def test_a_missing_file_is_an_error_every_time_never_remembered(manifest, settings):
    settings.DEBUG = False
    storage = ManifestStorage(location=manifest, base_url="/static/")
    for _twice in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
    assert "css/missing.css" not in getattr(storage, "_remembered_urls", {})


def test_it_remembers_at_most_so_many_addresses(monkeypatch):
    monkeypatch.setattr(RememberedUrls, "MOST", 3)
    storage = PlainStorage(base_url="/static/")
    answers = [storage.url(f"js/{n}.js") for n in range(5)]
    assert answers == [f"/static/js/{n}.js" for n in range(5)]
    assert len(storage._remembered_urls) == 3
