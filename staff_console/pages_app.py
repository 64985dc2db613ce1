"""The /console/ sub-app: the sign-in and security middlewares around the pages.

The pages themselves (templates, static files, handlers) are added by
staff_console/pages.py's `setup_pages(console)`.
"""

from __future__ import annotations

from aiohttp import web

from staff_console import conference_pages, figures_pages, household_pages, pages
from staff_console.access import security_headers, signed_in


def create_pages() -> web.Application:
    console = web.Application(middlewares=[security_headers("pages"), signed_in("pages")])
    pages.setup_pages(console)
    household_pages.add_routes(console)
    conference_pages.add_routes(console)
    figures_pages.add_routes(console)
    return console
