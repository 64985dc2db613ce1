"""The aiohttp application: resources as cleanup_ctx generators, every AppKey declared once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot import deadline_runner, routes
from bot.alarm import DeadlineAlarm
from bot.catalogue import Catalogue
from bot.channels import line
from bot.channels.line_api import LineApi, MessagingApi
from bot.channels.line_process import LineProcess
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.flow_loading import load_configured_flows
from bot.priority import Priority
from bot.retention import RetentionJob
from bot.sender import OutboxSender
from bot.service_db import open_database
from bot.staff_desk import StaffDesk
from bot.turns import TurnContext
from storage import deadlines
from storage.database import Database

log = logging.getLogger("tobira.app")

MAX_WEBHOOK_BYTES = 1024 * 1024

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
DB = web.AppKey("db", Database)
LINE_API = web.AppKey("line_api", MessagingApi)
LINE_WEBHOOK = web.AppKey("line_webhook", line.LineWebhook)
SENDER = web.AppKey("sender", OutboxSender)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
PRIORITY = web.AppKey("priority", Priority)
ALARM = web.AppKey("alarm", DeadlineAlarm)
DESK = web.AppKey("desk", StaffDesk)
RETENTION = web.AppKey("retention", RetentionJob)


def create_app(
    settings: Settings, clock: Clock | None = None, *, demo_line: bool = False
) -> web.Application:
    """The service. `demo_line` also serves demo mode's stand-in for LINE at /demo-line."""
    app = web.Application(client_max_size=MAX_WEBHOOK_BYTES)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_line)
    app.cleanup_ctx.append(_workers)
    routes.setup(app)
    if demo_line:
        from bot.demo_line import create_demo_line

        app.add_subapp("/demo-line", create_demo_line())
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    db = app[DB] = await open_database(app[SETTINGS])
    yield
    await db.close()


async def _line(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS].line
    if settings.channel_secret:
        app[LINE_WEBHOOK] = line.LineWebhook(settings.channel_secret)
    api: MessagingApi | None = None
    if settings.channel_access_token:
        timeout = settings.request_timeout.total_seconds()
        if settings.sending_process:
            process = LineProcess(
                settings.api_base_url,
                settings.channel_access_token,
                timeout,
                app[SETTINGS].log_level,
            )
            await process.start()
            api = process
        else:
            api = LineApi(settings.api_base_url, settings.channel_access_token, timeout)
        app[LINE_API] = api
    else:
        log.warning("LINE access token not configured: replies wait in the outbox")
    yield
    if api is not None:
        await api.close()


async def _workers(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db, clock = app[DB], app[CLOCK]
    priority = app[PRIORITY] = Priority()
    sender = OutboxSender(db, clock, app.get(LINE_API), settings.line, priority)
    context = TurnContext(
        catalogue=Catalogue.load(),
        flows=load_configured_flows(settings),
        reply_token_max_age=settings.line.reply_token_max_age,
        handoff=settings.handoff,
    )

    async def fire(deadline_id: int) -> None:
        now = clock.now()
        async with priority.background():
            try:
                outcome = await db.write(
                    lambda c: deadline_runner.fire(c, deadline_id, now, context)
                )
            except Exception:
                # Never let one broken row ring forever: log it and set it aside.
                log.exception("deadline failed", extra={"deadline": deadline_id})
                await db.write(lambda c: deadlines.mark_stale(c, deadline_id))
                return
        outcome.carry_out(sender.kick, alarm.arm)

    alarm = app[ALARM] = DeadlineAlarm(db, clock, fire)
    dispatcher = Dispatcher(
        db, clock, sender, context, {line.CHANNEL: line.to_inbound}, priority, alarm.arm
    )
    app[DESK] = StaffDesk(db, clock, context, sender.kick, alarm.arm)
    app[SENDER], app[DISPATCHER] = sender, dispatcher
    await sender.recover()
    await dispatcher.recover()
    await alarm.start()
    retention = app[RETENTION] = RetentionJob(db, clock, settings.retention)
    alarm.every(timedelta(hours=6), retention.run, "retention")
    yield
    await alarm.close()
    await dispatcher.close()
    await sender.close()
