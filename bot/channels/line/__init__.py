"""LINE: signed webhooks in, the Messaging API out, through the official line-bot-sdk.

webhook.py (signature, shape, persist before 200), inbound.py (stored event -> Inbound),
limits.py (LINE's limits), render.py (Outgoing -> LINE message objects within them),
api.py (the SDK client),
process.py and worker.py (the sending process), demo.py (demo mode's stand-in for LINE).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from bot.channels.line import inbound, render, webhook
from bot.channels.line.api import LineApi
from bot.channels.line.limits import LIMITS
from bot.channels.line.process import LineProcess
from bot.config.settings import LineSettings
from bot.delivery.channel import Inbound, Intake, Outgoing, RetryPolicy, Transport
from storage.events import StoredEvent

CHANNEL = webhook.CHANNEL


class LineChannel:
    name = CHANNEL
    limits = LIMITS

    def __init__(self, settings: LineSettings, log_level: str = "INFO", demo: bool = False) -> None:
        self._settings = settings
        self._log_level = log_level
        self._demo = demo
        self.retry = RetryPolicy(settings.retry_base, settings.retry_max, settings.max_attempts)
        # A reply token lives about a minute at LINE; `[line] reply_token_max_age` is ours.
        self.reply_window = settings.reply_token_max_age
        self.transport: Transport | None = None

    def setup_routes(self, app: web.Application, intake: Intake) -> None:
        secret = self._settings.channel_secret
        webhook.add_route(app, webhook.LineWebhook(secret) if secret else None, intake)
        if self._demo:
            from bot.channels.line.demo import DEMO_SECRET, SENT, create_demo_line

            stand_in = create_demo_line()
            app.add_subapp("/demo-line", stand_in)
            if secret == DEMO_SECRET:
                # The simulator signs with the demo's secret only: never a real channel's.
                from bot.channels.line.simulator import create_simulator

                app.add_subapp("/dev/line", create_simulator(stand_in[SENT], secret))

    def warnings(self) -> list[str]:
        """What is missing for LINE to work, one sentence each."""
        found: list[str] = []
        if not self._settings.channel_secret:
            found.append(
                "LINE_CHANNEL_SECRET is not set (nor [line] channel_secret): every LINE"
                " webhook is refused with 503 until it is."
            )
        if not self._settings.channel_access_token:
            found.append(
                "LINE_CHANNEL_ACCESS_TOKEN is not set (nor [line] channel_access_token):"
                " replies wait in the outbox, unsent, until it is."
            )
        return found

    def to_inbound(self, stored: StoredEvent) -> Inbound:
        return inbound.to_inbound(
            stored, keep_read_token=self._settings.mark_as_read == "when_staff_open"
        )

    def render(self, messages: Sequence[Outgoing], *, reusable: bool) -> list[str]:
        return render.render(list(messages), reusable=reusable)

    def combine(self, payloads: Sequence[str]) -> str | None:
        return render.combine(payloads)

    async def open(self) -> Transport | None:
        settings = self._settings
        if not settings.channel_access_token:
            return None
        timeout = settings.request_timeout.total_seconds()
        if settings.sending_process:
            process = LineProcess(
                settings.api_base_url, settings.channel_access_token, timeout, self._log_level
            )
            await process.start()
            self.transport = process
        else:
            self.transport = LineApi(settings.api_base_url, settings.channel_access_token, timeout)
        return self.transport
