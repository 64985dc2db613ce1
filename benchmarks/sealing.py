"""What sealing costs on the reply path (issue 23): the same server sealed and unsealed.

The workload of benchmarks/replies.py (each person follows, then taps two answers: three
webhooks and three replies each), through the real webhook, flows, SQLite (FULL), outbox
and LINE sending process. Two servers, one after the other in alternating rounds, against
the same fake LINE process: `tobira serve` as shipped (platform ids, raw events and outbox
payloads sealed with AES-256-GCM per person, lookups by keyed hash), and the same process
with a keyring that passes text through (benchmarks/unsealed_server.py).
Target (issue 23): sealed >= 0.9x the unsealed replies/s.

On a shared machine the two servers' rounds swing far more than sealing costs, so the
sealing work of one reply is also timed alone, in this process: what a reply to a known
person seals, opens and hashes (the event and the outbox payload sealed, both opened again,
the platform id opened twice, the user hash taken twice), next to the CPU per reply.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.processes import start_fake_line, start_tobira
from benchmarks.replies import SECRET, TOKEN, Measured, conversation_events, measure
from storage.migrate import migrate
from storage.sealing import Keyring, contact_subject
from tests import line_events as ev
from tests.sealing_keys import TEST_KEYS
from tests.service import free_port

SERVERS = {
    "sealed": "tobira, sealed (as shipped)",
    "clear": "tobira, the same with a pass-through keyring",
}
_ENTRY = {"sealed": ("bot.cli", "serve"), "clear": ("benchmarks.unsealed_server",)}


async def _round(line_url: str, people: int, index: int) -> dict[str, Measured]:
    results = {}
    order = ["sealed", "clear"] if index % 2 == 0 else ["clear", "sealed"]
    for name in order:
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            process = start_tobira(
                Path(tmp) / "bench.db", line_url, TOKEN, SECRET, port, entry=_ENTRY[name]
            )
            results[name] = await measure(
                process,
                port,
                line_url,
                conversation_events(70, f"warm-{name}{index}"),
                conversation_events(people, f"{name}{index}"),
            )
    return results


def sealing_us_per_reply(repeat: int = 20_000) -> float:
    """Microseconds of sealing work in one reply to a known person (keys cached)."""
    conn = sqlite3.connect(":memory:")
    migrate(conn)
    keyring = Keyring(TEST_KEYS)
    keyring.prepare(conn)
    user = ev.new_user_id()
    event = json.dumps(ev.text(user, "家族のこと", "token"), ensure_ascii=False)
    call = json.dumps([{"type": "text", "text": "ありがとうございます。" * 8}], ensure_ascii=False)
    subject = contact_subject(1)
    sealed_id = keyring.seal(conn, subject, "contacts", "platform_user_id", 1, user)
    started = time.perf_counter()
    for row in range(repeat):
        keyring.user_hash("line", user)
        keyring.user_hash("line", user)
        sealed_event = keyring.seal(conn, subject, "inbound_events", "payload", row, event)
        sealed_call = keyring.seal(conn, subject, "outbox", "payload", row, call)
        keyring.open(conn, subject, "inbound_events", "payload", row, sealed_event)
        keyring.open(conn, subject, "outbox", "payload", row, sealed_call)
        keyring.open(conn, subject, "contacts", "platform_user_id", 1, sealed_id)
        keyring.open(conn, subject, "contacts", "platform_user_id", 1, sealed_id)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed / repeat * 1_000_000


def _median(rounds: list[dict[str, Measured]], name: str) -> Measured:
    return sorted((r[name] for r in rounds), key=lambda m: m.per_second)[len(rounds) // 2]


async def run(people: int = 700, rounds: int = 5) -> dict[str, float]:
    fake, line_url = start_fake_line(TOKEN)
    try:
        results = [await _round(line_url, people, i) for i in range(rounds)]
    finally:
        fake.stop()
    print(f"median of {rounds} alternating rounds; each server answers {people * 3} webhooks")
    for name, label in SERVERS.items():
        m = _median(results, name)
        print(
            f"{label:<48} {m.per_second:6.0f} replies/s  ({m.replies} in {m.seconds:.2f} s;"
            f" {m.cpu_ms_per_reply:.2f} ms CPU per reply)"
        )
    sealed, clear = _median(results, "sealed"), _median(results, "clear")
    ratio = sealed.per_second / clear.per_second
    per_round = ", ".join(f"{r['sealed'].per_second / r['clear'].per_second:.2f}x" for r in results)
    print(f"  sealed against unsealed: {ratio:.2f}x (target >= 0.9x); rounds: {per_round}")
    cpu = sealed.cpu_ms_per_reply - clear.cpu_ms_per_reply
    print(f"  CPU per reply, sealed minus unsealed: {cpu:+.3f} ms (noise included)")
    work = sealing_us_per_reply()
    share = work / 1000 / sealed.cpu_ms_per_reply
    print(
        f"  sealing work per reply, timed alone: {work:.1f} us = {share:.1%} of the sealed"
        f" server's CPU per reply (the ratio it alone would give: {1 / (1 + share):.3f}x;"
        " a new person's data key, made once, not counted)"
    )
    return {
        "sealed_replies_per_s": sealed.per_second,
        "clear_replies_per_s": clear.per_second,
        "ratio": ratio,
    }


if __name__ == "__main__":
    asyncio.run(run())
