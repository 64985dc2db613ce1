"""QR codes for the invitation card, drawn on the server as inline SVG with segno: nothing is
fetched from elsewhere, and the page's CSP (no inline script or style) holds, since the
SVG is only a path with presentation attributes."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup

# M (15 % of the code may be lost) keeps a creased, printed card readable without making the
# symbol dense; a web link with a 43-character token fits in version 5 (37 x 37 modules).
ERROR_LEVEL = "m"
# The quiet zone the QR standard asks for, in modules: phones read a code with less, but
# not next to a printed frame.
QUIET_ZONE = 4


def qr_svg(url: str) -> Markup:
    """`url` as a QR code: an <svg> element without width or height (the page's CSS sizes
    it), black on white, for a card printed on any printer."""
    if not url:
        raise ValueError("a QR code needs something to hold")
    code = segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass="qr-line",
    )
    # segno writes only the matrix as path data and our class names: no text of ours is in
    # it, so it is markup as it is.
    return Markup(out.getvalue().decode("ascii"))
