"""`make bench`: every benchmark in one run, each printing its figures and ratios."""

from __future__ import annotations

import asyncio
import platform

from benchmarks import (
    console,
    deadlines,
    figures,
    flows_engine,
    free_text,
    replies,
    safety,
    sealing,
    webchat,
    webhook,
)


def main() -> None:
    print(f"tobira benchmarks on Python {platform.python_version()}, {platform.machine()}")
    print("\n== webhook: durable events/s and latency (issue 2) ==")
    asyncio.run(webhook.run())
    print("\n== flow engine: steps/s on the shipped flows (issue 3) ==")
    flows_engine.main()
    print("\n== end-to-end replies through the webhook (issue 3) ==")
    asyncio.run(replies.run())
    print("\n== end-to-end answers to free text, next to the SDK's echo example (issue 17) ==")
    asyncio.run(free_text.run())
    print("\n== the reply path sealed against unsealed (issue 23) ==")
    asyncio.run(sealing.run())
    print("\n== deadlines: 100,000 pending (issue 4) ==")
    asyncio.run(deadlines.run())
    print("\n== safety: the danger-signal detector per message (issue 11) ==")
    safety.main()
    print("\n== staff console: 100,000 conversations, 50 live streams (issue 10) ==")
    asyncio.run(console.run())
    print("\n== web chat: 1,000 visitors with live streams (issue 12) ==")
    asyncio.run(webchat.run())
    print("\n== the year in figures: a busy fiscal year, API and page (issue 22) ==")
    asyncio.run(figures.run())


if __name__ == "__main__":
    main()
