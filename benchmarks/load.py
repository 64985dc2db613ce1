"""Load generators: closed loop at a fixed concurrency, and open loop at a fixed rate."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return self.percentile(99)


Request = tuple[bytes, dict[str, str]]


async def _post(
    session: aiohttp.ClientSession, url: str, request: Request, latencies: list[float]
) -> bool:
    body, headers = request
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        ok = response.status == 200
    latencies.append((time.perf_counter() - started) * 1000)
    return ok


async def closed_loop(
    url: str, make: Callable[[int], Request], total: int, concurrency: int
) -> LoadResult:
    requests = [make(i) for i in range(total)]
    latencies: list[float] = []
    errors = 0
    next_index = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal next_index, errors
            while next_index < total:
                index = next_index
                next_index += 1
                if not await _post(session, url, requests[index], latencies):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(total, elapsed, latencies, errors)


async def open_loop(
    url: str, make: Callable[[int], Request], rate: float, seconds: float
) -> LoadResult:
    total = int(rate * seconds)
    requests = [make(i) for i in range(total)]
    latencies: list[float] = []
    outcomes: list[bool] = []
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(index: int) -> None:
            outcomes.append(await _post(session, url, requests[index], latencies))

        tasks = []
        started = time.perf_counter()
        for index in range(total):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return LoadResult(total, elapsed, latencies, outcomes.count(False))
