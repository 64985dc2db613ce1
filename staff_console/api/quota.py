"""LINE's push allowance in the console: GET /quota (supervisors).

    {"channels": [{"channel": "line", "limit": 200, "used": 170, "ratio": 0.85,
                   "warn": true}]}  or  {"channel": "line", "unknown": "reason"}

Read at most every CACHE_FOR (LINE limits how often these may be asked); `warn` from
WARN_AT of the allowance. The sender already answers with the free reply token whenever
one is still usable; pushes are what this counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.app import keys
from bot.delivery.channel import PushQuota, QuotaUnknown
from staff_console.access import require_role
from staff_console.errors import json_answer

WARN_AT = 0.8
CACHE_FOR = timedelta(minutes=5)
_CACHE = web.AppKey("console_quota_cache", dict[str, tuple[datetime, dict[str, Any]]])


def shape(channel: str, quota: PushQuota) -> dict[str, Any]:
    ratio = quota.used / quota.limit if quota.limit else None
    return {
        "channel": channel,
        "limit": quota.limit,
        "used": quota.used,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "warn": ratio is not None and ratio >= WARN_AT,
    }


@require_role("supervisor", "admin")
async def get_quota(request: web.Request) -> web.Response:
    app = request.config_dict
    now = app[keys.CLOCK].now()
    cache = app[_CACHE]
    found = []
    for channel in [c.name for c in app[keys.CHANNELS]]:
        cached = cache.get(channel)
        if cached is not None and now - cached[0] < CACHE_FOR:
            found.append(cached[1])
            continue
        try:
            quota = await app[keys.SENDER].push_quota(channel)
        except QuotaUnknown as error:
            found.append({"channel": channel, "unknown": str(error)})
            continue
        if quota is None:
            continue
        shaped = shape(channel, quota)
        cache[channel] = (now, shaped)
        found.append(shaped)
    return json_answer({"channels": found, "warn_at": WARN_AT})


def setup(app: web.Application) -> None:
    """On the service's app (the cache lives as long as it)."""
    app[_CACHE] = {}


def add_routes(api: web.Application) -> None:
    api.router.add_get("/quota", get_quota)
