"""The demo's sample conversations: invented people (nobody real) in different states, so
that a newcomer sees a console with work in it. Created once, when the demo database is
new, through the real service: events go in as the web chat's would, the flows answer,
counselors answer and resolve through the staff desk.

- waiting: a mother about her son in his 40s; she wrote after being handed off
- after hours: a young man himself, late at night (after hours when the window is closed)
- urgent: a sister worried about her brother's safety; marked urgent by the supervisor
- resolved: a supporter from a partner agency, answered and closed
"""

from __future__ import annotations

import hashlib
import json
import secrets

from aiohttp import web

from bot.app import keys
from bot.conversation.refusal import Refusal
from storage import contacts, conversations, staff
from storage.events import NewEvent
from storage.tx import Tx

CHANNEL = "web"
_SAMPLES = {
    "waiting": [
        "はじめまして。40代の息子のことで相談したいです。",
        "人と話したい",
        "息子は10年以上、ほとんど部屋から出てきません。どう声をかければいいのか分かりません。",
    ],
    "after_hours": [
        "夜なら書けます。",
        "人と話したい",
        "昼間は人に会うのがこわくて、電話もできません。ここに書いてもいいですか。",
    ],
    "urgent": [
        "兄のことで相談です。",
        "人と話したい",
        "兄が最近「もう消えてしまいたい」と言うようになりました。どうしたらいいでしょうか。",
    ],
    "resolved": [
        "地域包括支援センターの者です。訪問先のご家族のことで相談させてください。",
        "人と話したい",
    ],
}


def _visitor() -> str:
    # A hash of a token nobody holds: an invented visitor that cannot be continued.
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


async def seed_conversations(app: web.Application) -> None:
    receiver, dispatcher, desk = app[keys.RECEIVER], app[keys.DISPATCHER], app[keys.DESK]
    db, clock = app[keys.DB], app[keys.CLOCK]
    visitors: dict[str, str] = {}
    for name, texts in _SAMPLES.items():
        visitor = visitors[name] = _visitor()
        for text in texts:
            ms = int(clock.now().timestamp() * 1000)
            await receiver.receive(
                [
                    NewEvent(
                        channel=CHANNEL,
                        event_id=f"demo-sample:{secrets.token_hex(8)}",
                        platform_user_id=visitor,
                        kind="text",
                        occurred_at_ms=ms,
                        payload=json.dumps({"text": text}, ensure_ascii=False),
                    )
                ]
            )
            await dispatcher.lanes.wait_idle()

    def conversation_of(conn: Tx, visitor: str) -> tuple[int, int | None] | None:
        contact = contacts.find(conn, CHANNEL, visitor)
        found = conversations.open_for(conn, contact.id) if contact else None
        return (found.id, found.counselor_id) if found else None

    supervisor = await db.read(staff.by_login, "kimura")
    urgent = await db.read(conversation_of, visitors["urgent"])
    if urgent is not None and supervisor is not None:
        await desk.set_urgent(urgent[0], supervisor.id, True)
    resolved = await db.read(conversation_of, visitors["resolved"])
    if resolved is not None:
        counselor = resolved[1] or (supervisor.id if supervisor else None)
        if counselor is not None:
            try:
                await desk.answer(
                    resolved[0],
                    counselor,
                    "ご連絡ありがとうございます。来週の個別ケース検討会議で、一緒に確認しましょう。",
                )
                await desk.resolve(resolved[0], counselor)
            except Refusal:
                pass  # nobody may answer it as configured: it stays waiting, which is fine
