"""LINE's push allowance in the console: GET /quota (supervisors).

    {"channels": [{"channel": "line", "limit": 200, "used": 170, "ratio": 0.85,
                   "warn": true, "spent": false}]}  or  {"channel": "line", "unknown": "reason"}

The figures are the sender's (bot/delivery/allowance.py): LINE's reading, asked at most
every five minutes, plus the pushes sent since; `warn` from WARN_AT of the allowance. The
sender answers with the free reply token whenever one is usable, and holds pushes back
once the allowance is used up.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.app import keys
from bot.delivery.channel import PushQuota, QuotaUnknown
from staff_console.access import supervisors_only
from staff_console.errors import json_answer

WARN_AT = 0.8


def shape(channel: str, quota: PushQuota) -> dict[str, Any]:
    ratio = quota.used / quota.limit if quota.limit else None
    return {
        "channel": channel,
        "limit": quota.limit,
        "used": quota.used,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "warn": ratio is not None and ratio >= WARN_AT,
        "spent": quota.limit is not None and quota.used >= quota.limit,
    }


@supervisors_only
async def get_quota(request: web.Request) -> web.Response:
    app = request.config_dict
    found = []
    for channel in [c.name for c in app[keys.CHANNELS]]:
        try:
            quota = await app[keys.SENDER].push_quota(channel)
        except QuotaUnknown as error:
            found.append({"channel": channel, "unknown": str(error)})
            continue
        if quota is None:
            continue
        found.append(shape(channel, quota))
    return json_answer({"channels": found, "warn_at": WARN_AT})


def add_routes(api: web.Application) -> None:
    api.router.add_get("/quota", get_quota)
