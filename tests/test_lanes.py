"""Per-key serial lanes: one worker per key, wake-ups never lost, failures looked at again."""

from __future__ import annotations

import asyncio

from bot.runtime.lanes import Lanes


async def test_a_burst_of_kicks_runs_one_worker_at_a_time_and_loses_no_wake_up():
    running, calls = 0, 0
    overlap = False

    async def drain(key: str) -> None:
        nonlocal running, calls, overlap
        running += 1
        overlap = overlap or running > 1
        calls += 1
        await asyncio.sleep(0.01)
        running -= 1

    lanes: Lanes[str] = Lanes(drain, "test")
    for _ in range(5):
        lanes.kick("a")
        await asyncio.sleep(0)
    await lanes.wait_idle()
    assert not overlap
    assert calls == 2  # the first run, then one more for every kick that came meanwhile


async def test_a_lane_that_fails_looks_again_by_itself():
    """A failed drain (the database refused a commit) must not leave the person's events
    waiting until they write again."""
    attempts: list[str] = []
    done = asyncio.Event()

    async def drain(key: str) -> None:
        attempts.append(key)
        if len(attempts) == 1:
            raise RuntimeError("the commit failed")
        done.set()

    lanes: Lanes[str] = Lanes(drain, "test")
    lanes.kick("a")
    await asyncio.wait_for(done.wait(), 5)  # nobody kicked it again
    assert attempts == ["a", "a"]
    await lanes.close()
