"""What `tobira demo` prints once it is serving: where to talk to it, and with what."""

from __future__ import annotations

from bot.config.settings import Settings


def demo_banner(settings: Settings, port: int, secret: str, accounts: list[str]) -> str:
    url = f"http://{settings.host}:{port}"
    return "\n".join(
        [
            "tobira demo (nothing leaves this machine: LINE is played by tobira itself)",
            f"  web chat:         {url}/chat",
            f"  LINE simulator:   {url}/dev/line",
            f"  staff console:    {url}/console/",
            *accounts,
            f"  talk to the bot:  .venv/bin/tobira chat --url {url}   (in another terminal)",
            f"  health:           {url}/healthz",
            f"  LINE webhook:     POST {url}/webhooks/line  (channel secret '{secret}')",
            f"  database:         {settings.database}   (start over: tobira demo --reset)",
            "  stop:             Ctrl+C",
        ]
    )
