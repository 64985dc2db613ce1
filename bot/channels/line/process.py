"""The main process's side of the LINE sending process (bot/channels/line/worker.py).

Same calls and outcomes as LineApi, so the outbox sender cannot tell the two apart. If the
sending process dies, hangs or talks nonsense, it is replaced, and every call it had is
answered "retry": the sender tries again later with the same reply token or retry key, and
LINE deduplicates what did go out.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bot.channels.line.api import LOADING_PATH, MARK_READ_PATH, PUSH_PATH, REPLY_PATH
from bot.channels.line.quota import read_quota
from bot.delivery.channel import NOT_SENT, PushQuota, SendResult, Unsent

log = logging.getLogger("tobira.line_process")

_RESTART_PAUSE = 1.0  # seconds between two starts, so a process that cannot start won't spin
# A start that takes longer than this (importing the SDK: about a second when idle, several
# on a loaded machine) is a process that will not start: replaced.
_READY_WITHIN = 60.0
READY_LINE = b'{"ready":true}\n'  # what the process says once it can take calls


@dataclass
class _Child:
    process: asyncio.subprocess.Process
    waiting: dict[int, asyncio.Future[SendResult]] = field(default_factory=dict)
    given_up: bool = False  # killed by us: not to be used even before it is reaped
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # said so, or ended

    @property
    def usable(self) -> bool:
        return not self.given_up and self.process.returncode is None

    def give_up(self) -> None:
        self.given_up = True
        if self.process.returncode is None:
            self.process.kill()


class LineProcess:
    def __init__(
        self, base_url: str, access_token: str, timeout_seconds: float, log_level: str = "INFO"
    ) -> None:
        self._config: dict[str, Any] = {
            "base_url": base_url,
            "access_token": access_token,
            "timeout": timeout_seconds,
        }
        # The process times out its own HTTP calls; one that does not answer well after
        # that is stuck, and is replaced.
        self._answer_within = timeout_seconds * 1.5 + 1.0
        self._log_level = log_level
        self._ids = itertools.count(1)
        self._child: _Child | None = None
        self._reading: set[asyncio.Task[None]] = set()
        self._starting = asyncio.Lock()
        self._last_start = 0.0
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The sending process now in use, if any (for logs and tests)."""
        child = self._child
        return child.process.pid if child is not None and child.usable else None

    async def start(self) -> None:
        """Start the process now (at service start) so that the first reply does not wait
        for it to import the SDK."""
        await self._usable_child()

    async def _usable_child(self) -> _Child:
        async with self._starting:
            if self._closed:
                raise OSError("the service is stopping")
            if self._child is None or not self._child.usable:
                self._child = await self._spawn()
            return self._child

    async def _spawn(self) -> _Child:
        pause = self._last_start + _RESTART_PAUSE - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        self._last_start = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.channels.line.worker",
            self._log_level,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**20,
        )
        assert process.stdin is not None
        process.stdin.write(json.dumps(self._config).encode() + b"\n")
        child = _Child(process)
        reading = asyncio.create_task(self._read(child), name="tobira-line-answers")
        self._reading.add(reading)
        reading.add_done_callback(self._reading.discard)
        log.info("line sending process started", extra={"pid": process.pid})
        return child

    async def _read(self, child: _Child) -> None:
        assert child.process.stdout is not None
        try:
            while line := await child.process.stdout.readline():
                if line == READY_LINE:
                    child.ready.set()
                    continue
                try:
                    answer = json.loads(line)
                    future = child.waiting.pop(answer["id"], None)
                    unsent = answer.get("unsent")
                    result = SendResult(
                        answer["outcome"], answer["detail"], Unsent(unsent) if unsent else None
                    )
                except (ValueError, KeyError, TypeError):
                    log.error("line sending process answered nonsense; replacing it")
                    child.give_up()
                    return
                if future is not None and not future.done():
                    future.set_result(result)
        finally:
            # It ended, or we gave up on it: what it had may or may not have gone out.
            for future in child.waiting.values():
                if not future.done():
                    future.set_result(SendResult("retry", "sending process ended"))
            child.waiting.clear()
            child.give_up()
            child.ready.set()  # whoever waits for it learns that it ended
            if not self._closed:
                log.error("line sending process ended", extra={"pid": child.process.pid})

    # Requests are put together as text: the messages are already the JSON the outbox keeps.
    async def reply(self, reply_token: str, payload: str) -> SendResult:
        body = f'{{"replyToken":{json.dumps(reply_token)},"messages":{payload}}}'
        return await self._ask(REPLY_PATH, body, None)

    async def push(self, address: str, payload: str, retry_key: str) -> SendResult:
        body = f'{{"to":{json.dumps(address)},"messages":{payload}}}'
        return await self._ask(PUSH_PATH, body, retry_key)

    async def mark_read(self, read_token: str) -> SendResult:
        return await self._ask(
            MARK_READ_PATH, f'{{"markAsReadToken":{json.dumps(read_token)}}}', None
        )

    async def push_quota(self) -> PushQuota:
        # Two reads for the console: made here, not worth the sending process's queue.
        config = self._config
        return await read_quota(config["base_url"], config["access_token"], config["timeout"])

    async def show_typing(self, address: str, seconds: int) -> SendResult:
        body = json.dumps({"chatId": address, "loadingSeconds": seconds})
        return await self._ask(LOADING_PATH, body, None)

    async def wait_ready(self) -> int | None:
        """Wait until the process now in use can take calls; its pid (for tests)."""
        child = await self._usable_child()
        return child.process.pid if await self._ready(child) else None

    async def _ready(self, child: _Child) -> bool:
        """Whether `child` finished starting and still runs; one that takes too long is
        replaced. The answer clock of a call starts only after this."""
        try:
            await asyncio.wait_for(child.ready.wait(), _READY_WITHIN)
        except TimeoutError:
            log.error("line sending process did not start in time; replacing it")
            child.give_up()
        return child.usable

    async def _ask(self, path: str, body: str, retry_key: str | None) -> SendResult:
        if self._closed:
            return SendResult("retry", NOT_SENT + "the service is stopping", Unsent.NOT_CALLED)
        try:
            child = await self._usable_child()
        except OSError as error:
            log.error("line sending process cannot start", extra={"error": type(error).__name__})
            return SendResult(
                "retry", NOT_SENT + "the sending process cannot start", Unsent.NOT_CALLED
            )
        if not await self._ready(child):
            return SendResult(
                "retry", NOT_SENT + "the sending process did not start", Unsent.NOT_CALLED
            )
        stdin = child.process.stdin
        assert stdin is not None
        request_id = next(self._ids)
        future: asyncio.Future[SendResult] = asyncio.get_running_loop().create_future()
        child.waiting[request_id] = future
        line = (
            f'{{"id":{request_id},"path":"{path}","retry_key":{json.dumps(retry_key)},'
            f'"body":{body}}}\n'
        )
        try:
            stdin.write(line.encode())
            await stdin.drain()
            return await asyncio.wait_for(future, self._answer_within)
        except TimeoutError:
            log.error("line sending process is stuck; replacing it")
            child.give_up()
            return SendResult("retry", "timeout")
        except (ConnectionError, RuntimeError):
            # It died while we wrote: whether it read the request is unknown.
            return SendResult("retry", "sending process lost")
        finally:
            child.waiting.pop(request_id, None)

    async def close(self) -> None:
        self._closed = True
        async with self._starting:  # a start under way finishes first, then is closed too
            child = self._child
        if child is not None:
            stdin = child.process.stdin
            if stdin is not None and not stdin.is_closing():
                stdin.close()  # it finishes the calls it has, then exits
            try:
                await asyncio.wait_for(child.process.wait(), self._answer_within)
            except TimeoutError:
                child.give_up()
                await child.process.wait()
        await asyncio.gather(*self._reading)
