"""A LINE simulator for demo mode, at /dev/line: a phone-like page for trainers.

It sends properly signed webhook events (follow, text, postback from quick replies,
unfollow) to the service's own /webhooks/line, signed here on the server with the demo's
channel secret, and shows what tobira's LINE sender sent through demo mode's stand-in for
the Messaging API (bot/channels/line/demo.py). Several simulated people at once: a trainer
can play a mother and her son. Mounted only in demo mode, and only with the demo's secret.
"""

from __future__ import annotations

import json
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jinja2
from aiohttp import web

from bot.channels.line.demo import DEMO_SECRET
from bot.channels.line.limits import MAX_TEXT_UTF16
from bot.channels.line.simulator.events import body_of, event, new_user_id, sign

HERE = Path(__file__).parent
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


@dataclass
class Person:
    id: str
    name: str
    # What the person did, each at the count of bot messages they had seen then.
    sent: list[dict[str, Any]] = field(default_factory=list)
    tokens: int = 0


@dataclass
class Simulator:
    sent_by_bot: dict[str, list[dict[str, Any]]]  # the demo stand-in's record, per user
    people: dict[str, Person] = field(default_factory=dict)

    def add(self, name: str) -> Person:
        person = Person(new_user_id(), name)
        self.people[person.id] = person
        return person

    def reply_token(self, person: Person) -> str:
        # The stand-in files a reply under its person by this shape (demo.py).
        person.tokens += 1
        return f"demo:{person.id}:{person.tokens}-{secrets.token_hex(4)}"

    def timeline(self, person: Person) -> list[dict[str, Any]]:
        ours = self.sent_by_bot.get(person.id, [])
        items: list[dict[str, Any]] = []
        theirs = iter(person.sent)
        pending = next(theirs, None)
        for index, message in enumerate([*ours, None]):
            while pending is not None and pending["seen"] <= index:
                items.append({"from": "person", "kind": pending["kind"], "text": pending["text"]})
                pending = next(theirs, None)
            if message is not None:
                items.append({"from": "bot", **_shown(message)})
        return items


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    items = message.get("quickReply", {}).get("items", [])
    replies = [
        {"label": i["action"].get("label", ""), "data": i["action"].get("data", "")}
        for i in items
        if i.get("action", {}).get("type") == "postback"
    ]
    return {
        "kind": message.get("type", "text"),
        "text": message.get("text", ""),
        "replies": replies,
    }


SIMULATOR = web.AppKey("line_simulator", Simulator)
_TEXTS: dict[str, dict[str, str]] = tomllib.loads((HERE / "texts.toml").read_text(encoding="utf-8"))


def create_simulator(sent_by_bot: dict[str, list[dict[str, Any]]], secret: str) -> web.Application:
    if secret != DEMO_SECRET:
        raise ValueError("the LINE simulator signs only with the demo's channel secret")
    app = web.Application()
    app[SIMULATOR] = Simulator(sent_by_bot)
    app.router.add_get("", _page)
    app.router.add_get("/", _page)
    app.router.add_static("/static", HERE / "static")
    app.router.add_get("/api/people", _people)
    app.router.add_post("/api/people", _add_person)
    app.router.add_get("/api/people/{id}", _timeline)
    app.router.add_post("/api/people/{id}/events", _send)
    return app


async def _page(request: web.Request) -> web.Response:
    language = "en" if request.query.get("lang") == "en" else "ja"
    html = _templates.get_template("simulator.html").render(
        t=_TEXTS[language], language=language, other="ja" if language == "en" else "en"
    )
    return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _people(request: web.Request) -> web.Response:
    simulator = request.app[SIMULATOR]
    return web.json_response(
        {"people": [{"id": p.id, "name": p.name} for p in simulator.people.values()]}
    )


async def _add_person(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, 'send JSON: {"name": "..."}')
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip() or len(name) > 40:
        return _error(400, "a name of 1 to 40 characters, please")
    person = request.app[SIMULATOR].add(name.strip())
    return web.json_response({"id": person.id, "name": person.name}, status=201)


def _person(request: web.Request) -> Person:
    person = request.app[SIMULATOR].people.get(request.match_info["id"])
    if person is None:
        raise web.HTTPNotFound(
            text=json.dumps({"error": "no such simulated person"}), content_type="application/json"
        )
    return person


async def _timeline(request: web.Request) -> web.Response:
    person = _person(request)
    return web.json_response({"items": request.app[SIMULATOR].timeline(person)})


async def _send(request: web.Request) -> web.Response:
    """Build the event, sign it with the demo secret, and POST it to our own webhook."""
    simulator, person = request.app[SIMULATOR], _person(request)
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "send JSON")
    kind = body.get("type") if isinstance(body, dict) else None
    token = simulator.reply_token(person)
    if kind in ("follow", "unfollow"):
        raw, shown = event(kind, person.id, token), ""
    elif kind == "text" and isinstance(body.get("text"), str) and body["text"].strip():
        if len(body["text"]) > MAX_TEXT_UTF16:
            return _error(400, f"LINE takes at most {MAX_TEXT_UTF16} characters")
        raw, shown = event("text", person.id, token, text=body["text"]), body["text"]
    elif kind == "postback" and isinstance(body.get("data"), str):
        raw = event("postback", person.id, token, data=body["data"])
        shown = str(body.get("label") or body["data"])
    else:
        return _error(
            400, "type must be follow, unfollow, text (with text) or postback (with data)"
        )
    payload = body_of(raw)
    seen = len(simulator.sent_by_bot.get(person.id, []))
    person.sent.append({"kind": kind, "text": shown, "seen": seen})
    webhook = f"{request.scheme}://{request.host}/webhooks/line"
    headers = {"Content-Type": "application/json", "X-Line-Signature": sign(payload, DEMO_SECRET)}
    async with aiohttp.ClientSession() as session:
        async with session.post(webhook, data=payload, headers=headers) as answer:
            status = answer.status
    return web.json_response({"webhook_status": status}, status=200 if status == 200 else 502)
