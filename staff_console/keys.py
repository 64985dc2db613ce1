"""The console's web.AppKeys, set on the service's app by setup_console."""

from __future__ import annotations

import asyncio

from aiohttp import web

from staff_console.events import EventHub
from staff_console.presence import PresenceBook
from staff_console.typing import TypingRelay

HUB = web.AppKey("console_hub", EventHub)
# Work started by a request that must not hold up its answer (marking messages read on
# LINE): kept here so it is not garbage-collected mid-way, and awaited on shutdown.
TASKS = web.AppKey("console_tasks", set[asyncio.Task[object]])
# Who has a conversation open or is typing (in memory), and the client-side "typing...".
PRESENCE = web.AppKey("console_presence", PresenceBook)
TYPING = web.AppKey("console_typing", TypingRelay)
