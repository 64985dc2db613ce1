"""create_app: the service, with its resources as cleanup_ctx generators."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from functools import partial

from aiohttp import web

from bot.app import keys
from bot.app.alert_webhook import AlertWebhook
from bot.app.channels import registered
from bot.app.database import open_database
from bot.app.health import healthz
from bot.app.retention import RetentionJob
from bot.conferences import reminders
from bot.config.settings import Settings
from bot.conversation import deadline
from bot.conversation.context import TurnContext
from bot.conversation.desk import StaffDesk
from bot.conversation.dispatcher import Dispatcher
from bot.conversation.flow_loading import load_configured_flows
from bot.conversation.receive import Receiver
from bot.conversation.screening import Screener
from bot.delivery.channel import Channel, Channels, Transport
from bot.delivery.sender import OutboxSender
from bot.messages.catalogue import Catalogue
from bot.promises.alarm import DeadlineAlarm, Rows
from bot.runtime.clock import Clock, SystemClock
from bot.runtime.events import EventBus
from bot.runtime.priority import Priority
from bot.safety import default_detector
from staff_console import setup_console
from storage import conferences, deadlines
from storage.sealing import Keyring

log = logging.getLogger("tobira.app")

# The largest request body any route takes (LINE's webhooks are far smaller).
MAX_REQUEST_BYTES = 1024 * 1024


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    demo_line: bool = False,
    channels: Sequence[Channel] | None = None,
    detector_process: bool = False,
    keyring: Keyring | None = None,
) -> web.Application:
    """The service. `channels` defaults to the registered ones (bot/app/channels.py);
    `demo_line` also serves demo mode's stand-in for LINE at /demo-line; `detector_process`
    runs the danger detector in a process of its own (bot/conversation/screening.py), as
    `tobira serve` does. `keyring`: see Database.open (the sealing benchmark's only)."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[keys.SCREENER] = Screener() if detector_process else None
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock = clock or SystemClock()
    app[keys.EVENTS] = EventBus()
    app[keys.PRIORITY] = priority = Priority()
    app[keys.RECEIVER] = receiver = Receiver(clock, priority)
    app[keys.CHANNELS] = Channels(
        registered(settings, demo=demo_line) if channels is None else channels
    )
    for channel in app[keys.CHANNELS]:
        channel.setup_routes(app, receiver)
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(partial(_database, keyring=keyring))
    app.cleanup_ctx.append(_workers)
    setup_console(app)  # /console/ and /api/v1/: after the resources it uses
    return app


async def _database(app: web.Application, keyring: Keyring | None) -> AsyncIterator[None]:
    db = app[keys.DB] = await open_database(app[keys.SETTINGS], keyring)
    yield
    await db.close()


async def _open_transports(channels: Channels) -> dict[str, Transport]:
    transports: dict[str, Transport] = {}
    for channel in channels:
        transport = await channel.open()
        if transport is None:
            log.warning(
                "channel not configured to send: replies wait in the outbox",
                extra={"channel": channel.name},
            )
        else:
            transports[channel.name] = transport
    return transports


def _alert_webhook(settings: Settings, clock: Clock) -> AlertWebhook | None:
    url, secret = settings.safety.alert_webhook_url, settings.safety.alert_webhook_secret
    return AlertWebhook(url, secret, clock) if url and secret else None


async def _workers(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    db, clock, priority = app[keys.DB], app[keys.CLOCK], app[keys.PRIORITY]
    channels, publish = app[keys.CHANNELS], app[keys.EVENTS].publish
    transports = await _open_transports(channels)
    sender = OutboxSender(db, clock, channels, transports, priority, publish)
    # The phrase lists compile once, now, rather than on the first turn (on the writer).
    default_detector()
    screener = app[keys.SCREENER]
    if screener is not None:
        screener.start()  # loads in the background; this process reads texts meanwhile
    context = TurnContext(
        catalogue=Catalogue.load(),
        flows=load_configured_flows(settings, channels.flow_limits()),
        handoff=settings.handoff,
        channels=channels,
        safety=settings.safety,
        reopen_within=settings.reopen_within,
        households=settings.households,
        conferences=settings.conferences,
    )

    async def fire(deadline_id: int) -> None:
        now = clock.now()
        async with priority.background():
            try:
                outcome = await db.write(lambda c: deadline.fire(c, deadline_id, now, context))
            except Exception:
                # Never let one broken row ring forever: log it and set it aside.
                log.exception("deadline failed", extra={"deadline": deadline_id})
                await db.write(lambda c: deadlines.mark_stale(c, deadline_id))
                return
        outcome.carry_out(sender.kick, alarm.arm, publish)

    async def remind(reminder_id: int) -> None:
        # A case conference's action item reminder (bot/conferences/reminders.py).
        now = clock.now()
        async with priority.background():
            try:
                rung = await db.write(lambda c: reminders.fire(c, reminder_id, now))
            except Exception:
                log.exception("reminder failed", extra={"reminder": reminder_id})
                await db.write(lambda c: conferences.set_reminder_aside(c, reminder_id))
                return
        publish(rung.events)

    webhook = _alert_webhook(settings, clock)
    stop_hearing = app[keys.EVENTS].subscribe(webhook.hear) if webhook else None
    item_reminders = Rows(
        "action_item_reminders", conferences.next_reminder_due, conferences.due_reminder_ids, remind
    )
    alarm = app[keys.ALARM] = DeadlineAlarm(db, clock, fire, [item_reminders])
    dispatcher = Dispatcher(db, clock, context, priority, sender.kick, alarm.arm, publish, screener)
    app[keys.DESK] = StaffDesk(db, clock, context, sender.kick, alarm.arm, publish)
    app[keys.SENDER], app[keys.DISPATCHER] = sender, dispatcher
    app[keys.RECEIVER].start(db, dispatcher.kick)
    await sender.recover()
    await dispatcher.recover()
    await alarm.start()
    retention = app[keys.RETENTION] = RetentionJob(db, clock, settings.retention)
    alarm.every(timedelta(hours=6), retention.run, "retention")
    # A case queued with nobody to take it goes to a counselor once one is at work.
    alarm.every(timedelta(minutes=1), app[keys.DESK].offer_queued, "offer-queued")
    # Leave that starts or ends today: clients told, handover notes written (issue 13).
    alarm.every(timedelta(minutes=1), app[keys.DESK].move_for_leave, "leave-moves")
    yield
    await alarm.close()
    await dispatcher.close()
    if screener is not None:
        await screener.close()
    await sender.close()
    if webhook is not None and stop_hearing is not None:
        stop_hearing()
        await webhook.close()
    for transport in transports.values():
        await transport.close()
