"""The console's pages (owned by the pages engineer; this placeholder only keeps the
contract of staff_console/__init__.py importable until the pages land)."""

from __future__ import annotations

from aiohttp import web


def setup_pages(console: web.Application) -> None:
    """Add the jinja2 environment, /console/static/ and the page routes to `console`."""
