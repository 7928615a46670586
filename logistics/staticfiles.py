"""The static files storages of the settings (STORAGES["staticfiles"]), with each file's
address worked out once per process: the shared layout asks for seven on every page, at about
33 µs each (`static()`; the manifest's lookup costs as much). A file's address does not change
while the process runs: the manifest is read when the storage is made, and a plain storage's
address is its name under STATIC_URL."""

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberedUrls:
    """`url(name)` remembered per name (up to MOST names; a missing file's error is not)."""

    MOST = 2048

    def url(self, name, *args, **kwargs):
        if args or kwargs:  # the manifest storage's force=True: as asked, not remembered
            return super().url(name, *args, **kwargs)
        urls = self.__dict__.setdefault("_remembered_urls", {})
        try:
            return urls[name]
        except KeyError:
            url = super().url(name)
            if len(urls) < self.MOST:
                urls[name] = url
            return url


class PlainStorage(RememberedUrls, StaticFilesStorage):
    """Files under their own names (DEBUG, or STATIC_MANIFEST=false)."""


class ManifestStorage(RememberedUrls, CompressedManifestStaticFilesStorage):
    """Files under their hashed names, compressed (production)."""
