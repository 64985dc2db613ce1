"""LINE's push allowance for the month: getMessageQuota and getMessageQuotaConsumption.

Replies are free; pushes count, and the free plan allows 200 a month. Two small GETs with
the channel's token (no message, no user id in them), read for the console.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.delivery.channel import PushQuota, QuotaUnknown

QUOTA_PATH = "/v2/bot/message/quota"
CONSUMPTION_PATH = "/v2/bot/message/quota/consumption"


async def read_quota(base_url: str, access_token: str, timeout_seconds: float) -> PushQuota:
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    try:
        async with aiohttp.ClientSession(timeout=timeout, trust_env=True) as session:
            limit_body = await _get(session, base_url + QUOTA_PATH, headers)
            used_body = await _get(session, base_url + CONSUMPTION_PATH, headers)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise QuotaUnknown(f"LINE did not answer ({type(error).__name__})") from None
    except ValueError:  # not JSON
        raise QuotaUnknown("LINE's answer could not be read") from None
    kind = limit_body.get("type")
    value = limit_body.get("value")
    used = used_body.get("totalUsage")
    if not isinstance(used, int) or kind not in ("none", "limited"):
        raise QuotaUnknown("LINE's answer could not be read")
    if kind == "limited" and not isinstance(value, int):
        raise QuotaUnknown("LINE's answer could not be read")
    return PushQuota(limit=value if kind == "limited" else None, used=used)


async def _get(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> dict[str, Any]:
    async with session.get(url, headers=headers) as response:
        if response.status != 200:
            raise QuotaUnknown(f"LINE answered HTTP {response.status}")
        body = await response.json(content_type=None)
    if not isinstance(body, dict):
        raise QuotaUnknown("LINE's answer could not be read")
    return body
