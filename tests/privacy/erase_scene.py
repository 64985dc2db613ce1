"""What the erasure tests share: a client who wrote marker texts through the real service
(LINE messages, a staff answer, a note), the raw database files, and a data key of theirs."""

from __future__ import annotations

from pathlib import Path

from storage import contacts
from storage.sealing import contact_subject, keyring_of
from tests.console.api_desk import ApiDesk, Client

MARKER = "ERASEMARK"  # + a number: every text of the erased person carries one


def raw_files(db_path: Path) -> bytes:
    """The database and its WAL as they are on disk (what a copied file would give)."""
    found = b""
    for suffix in ("", "-wal"):
        path = Path(f"{db_path}{suffix}")
        if path.exists():
            found += path.read_bytes()
    return found


async def contact_of(desk: ApiDesk, user: str) -> int:
    found = await desk.db.read(contacts.find, "line", user)
    assert found is not None
    return found.id


async def data_key_of(desk: ApiDesk, contact_id: int) -> bytes:
    """The contact's wrapped data key, made now if nothing sealed anything of theirs yet."""
    subject = contact_subject(contact_id)

    def make(conn):
        keyring_of(conn).seal(conn, subject, "messages", "body", 0, "x")
        return bytes(
            conn.execute("SELECT wrapped FROM data_keys WHERE subject = ?", (subject,)).fetchone()[
                0
            ]
        )

    return await desk.db.write(make)


async def their_values(desk: ApiDesk, contact_id: int) -> list[bytes]:
    """Every stored text of theirs as its bytes on disk (clear or sealed), long enough to be
    found only where it was written."""

    def read(conn):
        rows = conn.execute(
            "SELECT m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.contact_id = ? AND m.body IS NOT NULL"
            " UNION ALL SELECT n.body FROM staff_notes n JOIN conversations c"
            " ON c.id = n.conversation_id WHERE c.contact_id = ?"
            " UNION ALL SELECT payload FROM inbound_events WHERE contact_id = ?",
            (contact_id, contact_id, contact_id),
        ).fetchall()
        # A sealed value is hers alone; a clear one only when it carries a marker (the bot's
        # own words are the same for everyone).
        return [
            bytes(v) if isinstance(v, bytes | memoryview) else v.encode()
            for (v,) in rows
            if not isinstance(v, str) or MARKER in v
        ]

    return [value for value in await desk.db.read(read) if len(value) >= 16]


async def wrote_and_was_answered(desk: ApiDesk, counselor: Client, user: str) -> int:
    """`user` writes markers, asks for a person, gets a staff answer and a note; returns the
    conversation id."""
    await desk.ask_for_a_person(user, first=f"{MARKER}1 こんにちは、息子のことで相談です")
    await desk.send(user, f"{MARKER}2 もう十年、部屋から出てきません")
    conversation_id = await desk.conversation_id(user)
    status, _ = await counselor.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": f"{MARKER}3 お話しくださってありがとうございます"},
    )
    assert status == 202
    status, _ = await counselor.post(
        f"/api/v1/conversations/{conversation_id}/notes",
        {"text": f"{MARKER}4 母親から。息子は40代", "kind": "private"},
    )
    assert status == 201
    await desk.service.settle()
    return conversation_id
