"""GET /healthz: 200 while the database answers, with what is not configured as warnings
(sentences; e.g. a missing LINE secret), which do not make the service unhealthy."""

from __future__ import annotations

from aiohttp import web

from bot.app import keys


async def healthz(request: web.Request) -> web.Response:
    try:
        ok = await request.app[keys.DB].ping()
    except Exception:
        ok = False
    status = 200 if ok else 503
    body = {
        "status": "ok" if ok else "database unavailable",
        "warnings": request.app[keys.CHANNELS].warnings(),
    }
    return web.json_response(body, status=status)
