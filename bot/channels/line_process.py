"""The main process's side of the LINE sending process (bot/channels/line_worker.py).

Same calls and outcomes as LineApi, so the outbox sender cannot tell the two apart. If the
sending process dies, every call it had is answered "retry": the sender tries again later
with the same reply token or retry key, and LINE deduplicates what did go out. A new process
is started for the next call.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import time
from typing import Any

from bot.channels.line_api import PUSH_PATH, REPLY_PATH, SendResult

log = logging.getLogger("tobira.line_process")

_RESTART_PAUSE = 1.0  # seconds between two starts, so a process that cannot start won't spin
_ANSWER_GRACE = 5.0  # seconds the process may take beyond the HTTP timeout before we give up


class LineProcess:
    def __init__(
        self, base_url: str, access_token: str, timeout_seconds: float, log_level: str = "INFO"
    ) -> None:
        self._config: dict[str, Any] = {
            "base_url": base_url,
            "access_token": access_token,
            "timeout": timeout_seconds,
        }
        self._timeout = timeout_seconds + _ANSWER_GRACE
        self._log_level = log_level
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[SendResult]] = {}
        self._process: asyncio.subprocess.Process | None = None
        self._reading: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._last_start = 0.0
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The sending process now running, if any (for logs and tests)."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def start(self) -> None:
        """Start the process now (at service start) so that the first reply does not wait
        for it to import the SDK."""
        async with self._starting:
            if self._process is None or self._process.returncode is not None:
                await self._spawn()

    async def _spawn(self) -> None:
        pause = self._last_start + _RESTART_PAUSE - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        self._last_start = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.channels.line_worker",
            self._log_level,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**20,
        )
        assert process.stdin is not None
        process.stdin.write(json.dumps(self._config).encode() + b"\n")
        self._process = process
        self._reading = asyncio.create_task(self._read(process), name="tobira-line-answers")
        log.info("line sending process started", extra={"pid": process.pid})

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            while line := await process.stdout.readline():
                answer = json.loads(line)
                future = self._waiting.pop(answer["id"], None)
                if future is not None and not future.done():
                    future.set_result(SendResult(answer["outcome"], answer["detail"]))
        finally:
            # It ended (or we are closing): whatever it had may or may not have gone out.
            for future in self._waiting.values():
                if not future.done():
                    future.set_result(SendResult("retry", "sending process ended"))
            self._waiting.clear()
            if not self._closed:
                log.error("line sending process ended", extra={"pid": process.pid})

    # Requests are put together as text: the messages are already the JSON the outbox keeps.
    async def reply(self, reply_token: str, messages_json: str) -> SendResult:
        body = f'{{"replyToken":{json.dumps(reply_token)},"messages":{messages_json}}}'
        return await self._ask(REPLY_PATH, body, None)

    async def push(self, to: str, messages_json: str, retry_key: str) -> SendResult:
        body = f'{{"to":{json.dumps(to)},"messages":{messages_json}}}'
        return await self._ask(PUSH_PATH, body, retry_key)

    async def _ask(self, path: str, body: str, retry_key: str | None) -> SendResult:
        process = self._process
        if process is None or process.returncode is not None or process.stdin is None:
            await self.start()
            process = self._process
            assert process is not None and process.stdin is not None
        request_id = next(self._ids)
        future: asyncio.Future[SendResult] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        line = (
            f'{{"id":{request_id},"path":"{path}","retry_key":{json.dumps(retry_key)},'
            f'"body":{body}}}\n'
        )
        try:
            process.stdin.write(line.encode())
            await process.stdin.drain()
            return await asyncio.wait_for(future, self._timeout)
        except TimeoutError:
            return SendResult("retry", "timeout")
        except (ConnectionError, RuntimeError):
            return SendResult("retry", "sending process unreachable")
        finally:
            self._waiting.pop(request_id, None)

    async def close(self) -> None:
        self._closed = True
        process = self._process
        if process is None:
            return
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()  # it finishes the calls it has, then exits
        try:
            await asyncio.wait_for(process.wait(), self._timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reading is not None:
            await self._reading
