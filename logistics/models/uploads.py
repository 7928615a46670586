"""Photos kept for a form that came back with errors, until it is sent again (logistics.kept)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingUpload(models.Model):
    """A photo someone chose on a form that then came back with an error: already checked and
    re-encoded, kept under a random name until the corrected form attaches it, or it expires
    and the sweep deletes it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="pending_uploads",
    )
    image = models.ImageField(_("image"), upload_to="pending/%Y/%m/%d/")
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")

    def __str__(self) -> str:
        return self.original_name or self.image.name


# Where a list's rows keep their photos (docs/architecture.md, "Lists, search and pagination").
PHOTO_LIST = "photo_list"


def photo_list_prefetch(lookup: str = "photos", queryset=None) -> models.Prefetch:
    """The photos of every row of a list as a plain list (`PHOTO_LIST`), not in the related
    manager's cache, which builds and filters a queryset per row (about 2 ms of a 50-row page);
    `lookup` may go through a relation ("review__photos")."""
    return models.Prefetch(lookup, queryset=queryset, to_attr=PHOTO_LIST)


class ListedPhotos:
    """`photos_in_order` for a model whose photos are its `photos` relation: the list
    `photo_list_prefetch()` read with the row, else one query in `photo_order`."""

    photo_order: tuple[str, ...] = ()

    @property
    def photos_in_order(self) -> list:
        if PHOTO_LIST in self.__dict__:
            return self.__dict__[PHOTO_LIST]
        photos = self.photos.all()
        return list(photos.order_by(*self.photo_order) if self.photo_order else photos)
