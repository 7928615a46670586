"""QR codes as inline SVG, for any page that shows or prints one (repair labels, pickup codes)."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, title: str, *, scale: int = 4) -> SafeString:
    """The QR code of ``data`` as an inline ``<svg class="qr-code">`` with ``title`` as its name.

    segno writes only path data and sizes (no style attributes), so the Content-Security-Policy
    holds; it escapes the title itself.
    """
    code = segno.make(data, error="m")
    svg = code.svg_inline(scale=scale, border=2, omitsize=True, title=title, svgclass="qr-code")
    return mark_safe(svg)  # noqa: S308
