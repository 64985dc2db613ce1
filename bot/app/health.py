"""GET /healthz: 200 while the database answers."""

from __future__ import annotations

from aiohttp import web

from bot.app import keys


async def healthz(request: web.Request) -> web.Response:
    try:
        ok = await request.app[keys.DB].ping()
    except Exception:
        ok = False
    status = 200 if ok else 503
    return web.json_response({"status": "ok" if ok else "database unavailable"}, status=status)
