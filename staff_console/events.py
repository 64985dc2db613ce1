"""Live updates for the console: domain events as server-sent events, per staff member.

One hub listens to the service's EventBus (events arrive only after their write
committed) and hands each event to the signed-in streams that may hear of it: an alert
goes to whom it is addressed (or, when it is for whoever is on duty, to every staff member
who can see the conversation); everything else to the staff who can see the conversation
(storage.read_side.Viewer). Events carry ids and kinds only: the page fetches what it shows.

A stream ends with a `signed_out` event when its session is signed out, revoked or idle
(checked every `CHECK_EVERY` seconds), and quietly when the service stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response

from bot.runtime.events import Event, EventBus, EventKind
from storage import read_side
from storage.database import Database
from storage.read_side import Viewer

log = logging.getLogger("tobira.console.events")

CHECK_EVERY = 15.0  # seconds between two checks that a stream's session is still open
_QUEUE_SIZE = 500
SIGNED_OUT = "signed_out"


@dataclass(eq=False)
class Listener:
    viewer: Viewer
    session_id: int
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(_QUEUE_SIZE))
    # Why the session ended, when this process ended it: "signed_out" (the page says so
    # rather than "expired").
    ended: str | None = None

    def put(self, event: Event | None) -> None:
        if self.queue.full():
            self.queue.get_nowait()  # a stalled page loses the oldest; it refetches anyway
        self.queue.put_nowait(event)


class EventHub:
    def __init__(self, bus: EventBus, db: Callable[[], Database]) -> None:
        self._bus = bus
        self._db = db
        self._listeners: set[Listener] = set()
        self._incoming: asyncio.Queue[Event] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def listen(self, viewer: Viewer, session_id: int) -> Listener:
        if self._task is None:
            self._start()
        listener = Listener(viewer, session_id)
        if self._closed:
            listener.put(None)
        self._listeners.add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    def end_session(self, session_id: int, notice: str = "expired") -> None:
        """A session ended in this process: its streams say so now, not at the next check,
        with the notice the sign-in page shows ("signed_out" or "expired")."""
        for listener in list(self._listeners):
            if listener.session_id == session_id:
                listener.ended = notice
                listener.put(None)

    def _start(self) -> None:
        incoming: asyncio.Queue[Event] = asyncio.Queue()
        self._incoming = incoming
        self._unsubscribe = self._bus.subscribe(incoming.put_nowait)
        self._task = asyncio.get_running_loop().create_task(self._run(incoming), name="console-hub")

    async def close(self) -> None:
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        for listener in list(self._listeners):
            listener.put(None)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, incoming: asyncio.Queue[Event]) -> None:
        while True:
            batch = [await incoming.get()]
            while not incoming.empty():
                batch.append(incoming.get_nowait())
            try:
                await self._dispatch(batch)
            except Exception:
                log.exception("console events could not be dispatched")

    async def _dispatch(self, batch: list[Event]) -> None:
        listeners = list(self._listeners)
        if not listeners:
            return
        owners: dict[int, read_side.Owners] = {}
        if not all(listener.viewer.sees_all for listener in listeners):
            ids = [e.conversation_id for e in batch if e.conversation_id is not None]
            owners = await self._db().read(read_side.visibility, ids) if ids else {}
        for event in batch:
            owner = owners.get(event.conversation_id) if event.conversation_id else None
            for listener in listeners:
                if _concerns(event, listener.viewer, owner):
                    listener.put(event)


def _concerns(event: Event, viewer: Viewer, owner: read_side.Owners | None) -> bool:
    if event.kind == EventKind.ALERT_RAISED and event.staff_id is not None:
        return event.staff_id == viewer.staff_id
    if viewer.sees_all or event.conversation_id is None:
        return True
    return owner is not None and viewer.sees(owner)


def event_data(event: Event) -> str:
    data = event.to_dict()
    data.pop("kind", None)
    return json.dumps(data)


async def stream(
    request: web.Request,
    hub: EventHub,
    viewer: Viewer,
    session_id: int,
    still_open: Callable[[int], Any],
) -> web.StreamResponse:
    """GET /api/v1/events: one stream until the page goes away or the session ends."""
    listener = hub.listen(viewer, session_id)
    response: web.StreamResponse | None = None
    try:
        async with sse_response(request) as response:
            await response.send("{}", event="hello")
            while response.is_connected():
                try:
                    event = await asyncio.wait_for(listener.queue.get(), CHECK_EVERY)
                except TimeoutError:
                    if not await still_open(session_id):
                        await response.send('{"notice": "expired"}', event=SIGNED_OUT)
                        break
                    continue
                if event is None:
                    if not await still_open(session_id):
                        notice = json.dumps({"notice": listener.ended or "expired"})
                        await response.send(notice, event=SIGNED_OUT)
                    break
                await response.send(event_data(event), event=event.kind.value)
        return response
    except ConnectionResetError:
        # The tab was closed (or the network dropped) while we wrote: an everyday event,
        # not an error. The page reconnects if it is still there.
        log.debug("event stream closed by the page")
        return response if response is not None else web.Response(status=204)
    finally:
        hub.leave(listener)
