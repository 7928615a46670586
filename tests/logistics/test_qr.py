"""The shared QR helper: inline SVG that a phone camera can read and the CSP allows."""

import io

import segno

from logistics.qr import qr_svg


def test_it_renders_inline_svg_with_an_escaped_title_and_no_styles():
    svg = qr_svg("https://example.edu/x?a=1&b=2", 'Room <5> "A"')
    assert svg.startswith("<svg")
    assert 'class="qr-code"' in svg
    assert "&lt;5&gt;" in svg and "<5>" not in svg
    assert "style=" not in svg


def test_it_encodes_the_data_it_was_given():
    data = "parcels:pickup:abc123"
    expected = io.BytesIO()
    segno.make(data, error="m").save(expected, kind="svg", border=2, omitsize=True, xmldecl=False)
    # The same matrix gives the same path data whatever the wrapper.
    path = [part for part in expected.getvalue().decode().split('"') if part.startswith("M")]
    assert path and path[0] in qr_svg(data, "x", scale=1)
