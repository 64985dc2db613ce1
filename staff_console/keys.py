"""The console's web.AppKeys, set on the service's app by setup_console."""

from __future__ import annotations

import asyncio

from aiohttp import web

from staff_console.events import EventHub

HUB = web.AppKey("console_hub", EventHub)
# Work started by a request that must not hold up its answer (marking messages read on
# LINE): kept here so it is not garbage-collected mid-way, and awaited on shutdown.
TASKS = web.AppKey("console_tasks", set[asyncio.Task[object]])
