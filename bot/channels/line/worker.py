"""The LINE sending process: makes the Messaging API calls the outbox sender asks for.

tobira's main process receives webhooks, runs turns and owns the database; this process
only calls LINE through the SDK (bot/channels/line/api.py) and reports each outcome, so the
two halves of a reply use two cores instead of taking turns on one. Every decision and every
write stays in the main process.

It speaks JSON lines on stdin/stdout. The first line configures it
(``{"base_url", "access_token", "timeout"}``: the token never appears in a process
listing); then each request ``{"id", "path", "retry_key", "body"}`` (body: LINE's request
body, ready) gets one answer ``{"id", "outcome", "detail"}``. It ends when its input closes:
when the main process stops, or dies. Once configured and its imports done, it says
``{"ready": true}`` before any answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from typing import Any

from bot.channels.line.api import LineApi
from bot.channels.line.process import READY_LINE
from bot.delivery.channel import SendResult
from bot.runtime import logs
from bot.runtime.gc_tuning import freeze_startup_heap

log = logging.getLogger("tobira.line_worker")

_FIELDS = {"id", "path", "retry_key", "body"}


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    config = json.loads(await reader.readline())
    api = LineApi(config["base_url"], config["access_token"], config["timeout"])
    freeze_startup_heap()
    # Importing the SDK takes seconds on a busy machine: the main process starts timing a
    # call only once we say we are ready, so a slow start is not taken for a stuck process.
    writer.write(READY_LINE)
    calls: set[asyncio.Task[None]] = set()

    async def answer(request: dict[str, Any]) -> None:
        try:
            result = await api.post(request["path"], request["body"], request["retry_key"])
        except Exception as error:  # an unknown outcome: the main process decides
            result = SendResult("retry", f"unexpected: {type(error).__name__}")
        line = {
            "id": request["id"],
            "outcome": result.outcome,
            "detail": result.detail,
            "unsent": result.unsent,
        }
        writer.write(json.dumps(line).encode() + b"\n")

    try:
        while line := await reader.readline():
            try:
                request = json.loads(line)
                if not isinstance(request, dict) or not _FIELDS <= request.keys():
                    raise ValueError("missing fields")
            except ValueError:
                # Not a request we can make; its caller times out and retries.
                log.error("unreadable request")
                continue
            task = asyncio.create_task(answer(request))
            calls.add(task)
            task.add_done_callback(calls.discard)
        # Input closed: finish the calls already made, then stop.
        await asyncio.gather(*calls)
        await writer.drain()
    except ConnectionError:
        pass  # the main process is gone (kill -9): nobody is left to answer
    finally:
        await api.close()


async def _main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)  # a request carries up to 5 long messages
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.streams.FlowControlMixin(), sys.stdout
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    await serve(reader, writer)


def main() -> None:
    logs.setup(sys.argv[1] if len(sys.argv) > 1 else "INFO")
    # Webhooks first (bot/runtime/priority.py), across processes too: when the cores are all busy,
    # the kernel lets the main process answer LINE's webhooks before we send.
    os.nice(10)
    # Ctrl-C reaches the whole process group; the main process ends this one by closing its
    # input once its own shutdown is done, so the calls in flight still get their answers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import uvloop
    except ImportError:
        asyncio.run(_main())
    else:
        uvloop.run(_main())


if __name__ == "__main__":
    main()
