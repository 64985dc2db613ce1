"""Every web.AppKey of the service, declared once (aiohttp's polls demo's typedefs.py)."""

from __future__ import annotations

from aiohttp import web

from bot.app.retention import RetentionJob
from bot.config.settings import Settings
from bot.conversation.desk import StaffDesk
from bot.conversation.dispatcher import Dispatcher
from bot.conversation.receive import Receiver
from bot.delivery.channel import Channels
from bot.delivery.sender import OutboxSender
from bot.promises.alarm import DeadlineAlarm
from bot.runtime.clock import Clock
from bot.runtime.events import EventBus
from bot.runtime.priority import Priority
from storage.database import Database

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DB = web.AppKey("db", Database)
EVENTS = web.AppKey("events", EventBus)
CHANNELS = web.AppKey("channels", Channels)
PRIORITY = web.AppKey("priority", Priority)
RECEIVER = web.AppKey("receiver", Receiver)
SENDER = web.AppKey("sender", OutboxSender)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
ALARM = web.AppKey("alarm", DeadlineAlarm)
DESK = web.AppKey("desk", StaffDesk)
RETENTION = web.AppKey("retention", RetentionJob)
