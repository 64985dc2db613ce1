"""The /chat page: one HTML document, its stylesheet and script, nothing from elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from bot.channels.web.texts import language_of, texts

STATIC = Path(__file__).parent / "static"
# No inline script or style, nothing from elsewhere, no referrer for the page we leave to.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
        " frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Back after "leave quickly" must not show the conversation from the browser's cache.
    "Cache-Control": "no-store",
}

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.channels.web", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
)


def page_handler(service_name: str, service_name_en: str, leave_url: str) -> Handler:
    async def chat_page(request: web.Request) -> web.Response:
        language = language_of(request.query.get("lang"))
        words = texts(language)
        html = _templates.get_template("chat.html").render(
            language=language,
            other_language="en" if language == "ja" else "ja",
            t=words["page"],
            service_name=service_name_en if language == "en" else service_name,
            leave_url=leave_url,
            # Read by chat.js from a data block (JSON is not run, so the CSP allows it).
            page_texts=json.dumps(words["page"], ensure_ascii=False).replace("<", "\\u003c"),
        )
        return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)

    return chat_page
