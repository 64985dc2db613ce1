"""The conference summary as a PDF: the same template and stylesheet as the printed page,
laid out by WeasyPrint (Debian's pango underneath; Japanese in fonts-noto-cjk, found through
fontconfig). Nothing is fetched while rendering: the page has no image and no link, and the
fetcher refuses any address, so a summary can never pull something in from elsewhere."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

_STYLESHEET = Path(__file__).parent / "static" / "summary.css"


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError("a summary fetches nothing")


@cache
def _stylesheet() -> Any:
    from weasyprint import CSS

    return CSS(filename=str(_STYLESHEET), url_fetcher=_no_fetching)


def render_pdf(html: str) -> bytes:
    """The PDF of a summary page rendered with `pdf` true (no toolbar, no script)."""
    # Imported here: WeasyPrint loads pango when imported, and only this page needs it.
    from weasyprint import HTML

    document = HTML(string=html, base_url=None, url_fetcher=_no_fetching)
    pdf: bytes = document.write_pdf(stylesheets=[_stylesheet()])
    return pdf


async def render_pdf_async(html: str) -> bytes:
    """Layout takes a good part of a second: off the event loop."""
    return await asyncio.to_thread(render_pdf, html)
