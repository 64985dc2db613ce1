"""Every web.AppKey of the service, declared once (aiohttp's polls demo's typedefs.py).

A leaf: it imports the types it names for the type checker only, so that the staff console
(mounted by the composition root) can read the service's resources without importing the
composition root itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.app.retention import RetentionJob
    from bot.config.settings import Settings
    from bot.conversation.desk import StaffDesk
    from bot.conversation.dispatcher import Dispatcher
    from bot.conversation.receive import Receiver
    from bot.conversation.screening import Screener
    from bot.delivery.channel import Channels
    from bot.delivery.sender import OutboxSender
    from bot.promises.alarm import DeadlineAlarm
    from bot.runtime.clock import Clock
    from bot.runtime.events import EventBus
    from bot.runtime.priority import Priority
    from storage.database import Database

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
DB: web.AppKey[Database] = web.AppKey("db")
EVENTS: web.AppKey[EventBus] = web.AppKey("events")
CHANNELS: web.AppKey[Channels] = web.AppKey("channels")
PRIORITY: web.AppKey[Priority] = web.AppKey("priority")
RECEIVER: web.AppKey[Receiver] = web.AppKey("receiver")
SENDER: web.AppKey[OutboxSender] = web.AppKey("sender")
DISPATCHER: web.AppKey[Dispatcher] = web.AppKey("dispatcher")
ALARM: web.AppKey[DeadlineAlarm] = web.AppKey("alarm")
DESK: web.AppKey[StaffDesk] = web.AppKey("desk")
RETENTION: web.AppKey[RetentionJob] = web.AppKey("retention")
SCREENER: web.AppKey[Screener | None] = web.AppKey("screener")
