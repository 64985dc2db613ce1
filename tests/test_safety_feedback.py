"""Staff marks on the danger detector (issue 17) outside the console: `tobira safety
export-feedback` on a real SQLite file, as an operator runs it before a training run, and
the retention job taking the marks away with their conversation."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import keys
from storage import messages
from tests.console.api_desk import ApiDesk, jst

SUBTLE = "息子が\t最近、\n急に穏やかになって、昔の写真を整理しています"
DANGER = "息子が「もう死にたい」と言っています"
LATER = "娘が急に部屋の荷物を全部まとめています"


async def message_id(desk: ApiDesk, conversation_id: int, text: str) -> int:
    kept = await desk.db.read(messages.for_conversation, conversation_id)
    found = [m.id for m in kept if m.author == "client" and m.body == text]
    assert found, text
    return found[-1]


def export(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOBIRA_DB": str(tmp_path / "tobira.db")}
    env.pop("TOBIRA_CONFIG", None)
    return subprocess.run(
        [
            *(sys.executable, "-m", "bot.cli", "safety", "export-feedback"),
            *args,
            *("--config", str(tmp_path / "tobira.toml")),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def marked_conversation(tmp_path: Path) -> None:
    """Two staff members mark a conversation on 25 November, one more mark the next day."""
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        boss = await desk.add_staff("kimura", role="supervisor")
        user = await desk.ask_for_a_person(first=SUBTLE)
        await desk.send(user, DANGER)
        conversation_id = await desk.conversation_id(user)
        subtle = await message_id(desk, conversation_id, SUBTLE)
        danger = await message_id(desk, conversation_id, DANGER)
        asks = await message_id(desk, conversation_id, "人と話したい")
        mark = desk.app[keys.DESK].mark_safety
        # Both say crisis: one line. They differ on the second message: one line each.
        await mark(conversation_id, subtle, sato.id, "missed", "crisis")
        await mark(conversation_id, subtle, boss.id, "missed", "crisis")
        await mark(conversation_id, asks, sato.id, "missed", "violence")
        await mark(conversation_id, asks, boss.id, "missed", "child")
        await mark(conversation_id, danger, sato.id, "false_alarm", None)
        await desk.move(timedelta(days=1))
        await desk.send(user, LATER)
        later = await message_id(desk, conversation_id, LATER)
        await mark(conversation_id, later, sato.id, "missed", "crisis")


@pytest.mark.subprocess
async def test_export_feedback_writes_training_lines_once_and_audited(tmp_path):
    await marked_conversation(tmp_path)
    out = tmp_path / "feedback.tsv"

    done = export(tmp_path, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "5 lines (4 messages)" in done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "label\tabout\ttext\twriter",
        # Tabs and line breaks inside a message would break the format: spaces instead.
        "crisis\tunknown\t息子が 最近、 急に穏やかになって、昔の写真を整理しています\tfeedback",
        # Marked at the same instant: by label.
        "child\tunknown\t人と話したい\tfeedback",
        "violence\tunknown\t人と話したい\tfeedback",
        f"none\t-\t{DANGER}\tfeedback",
        f"crisis\tunknown\t{LATER}\tfeedback",
    ]
    # Client text: readable by its owner only.
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    # An existing file is never overwritten.
    again = export(tmp_path, "--out", str(out))
    assert again.returncode == 2 and "exists; nothing was written" in again.stderr
    assert out.read_text(encoding="utf-8").splitlines() == lines

    # Client text never goes to the terminal by a forgotten option: --out is required...
    forgot = export(tmp_path, "--since", "2026-11-26")
    assert forgot.returncode == 2 and "--out" in forgot.stderr
    assert forgot.stdout == ""
    # ...and standard output is written only when asked for by name (--out -).
    # --since: marks made on or after that day (Japan time).
    since = export(tmp_path, "--since", "2026-11-26", "--out", "-")
    assert since.returncode == 0, since.stderr
    assert since.stdout.splitlines() == [
        "label\tabout\ttext\twriter",
        f"crisis\tunknown\t{LATER}\tfeedback",
    ]
    wrong = export(tmp_path, "--since", "26/11/2026", "--out", str(tmp_path / "w.tsv"))
    assert wrong.returncode == 2 and "--since '26/11/2026' is not a date YYYY-MM-DD" in wrong.stderr
    assert not (tmp_path / "w.tsv").exists()
    missing = export(tmp_path, "--out", str(tmp_path / "no-such-dir" / "x.tsv"))
    assert missing.returncode == 2 and "cannot create" in missing.stderr

    # Each export that ran is in the audit log, with counts and never the words.
    with closing(sqlite3.connect(tmp_path / "tobira.db")) as conn:
        rows = conn.execute(
            "SELECT staff_id, detail FROM audit_log WHERE action = 'safety_feedback_export'"
            " ORDER BY id"
        ).fetchall()
    assert [(staff, json.loads(detail)) for staff, detail in rows] == [
        (None, {"lines": 5, "messages": 4, "since": None, "to": "file"}),
        (None, {"lines": 1, "messages": 1, "since": "2026-11-26", "to": "stdout"}),
    ]


@pytest.mark.subprocess
async def test_the_help_says_the_file_holds_client_text(tmp_path):
    (tmp_path / "tobira.toml").write_text("", encoding="utf-8")
    shown = export(tmp_path, "--help")
    assert shown.returncode == 0
    words = " ".join(shown.stdout.split())
    assert "holds what clients wrote" in words and "audited" in words


async def test_retention_takes_the_marks_with_their_conversation(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        staff_desk = desk.app[keys.DESK]
        old_user = await desk.ask_for_a_person(first=SUBTLE)
        old = await desk.conversation_id(old_user)
        await desk.send(old_user, DANGER)  # a signal, recorded with its message
        await staff_desk.mark_safety(
            old, await message_id(desk, old, SUBTLE), sato.id, "missed", "crisis"
        )
        await staff_desk.resolve(old, sato.id)
        # Almost three years on, a new person writes and is marked too.
        await desk.move(jst(2029, 11, 20, 10, 0) - desk.clock.now())
        recent_user = await desk.ask_for_a_person(first=LATER)
        recent = await desk.conversation_id(recent_user)
        await staff_desk.mark_safety(
            recent, await message_id(desk, recent, LATER), sato.id, "missed", "child"
        )

        await desk.move(jst(2029, 11, 26, 10, 0) - desk.clock.now())
        counts = await desk.app[keys.RETENTION].run()
        assert counts["conversations"] == 1 and counts["safety_feedback"] == 1
        # The detector's signals go with their conversation too.
        assert counts["safety_signals"] == 1
        assert await desk.db.fetch_all("SELECT * FROM safety_signals") == []
        left = await desk.db.fetch_all("SELECT conversation_id, level FROM safety_feedback")
        assert [tuple(row) for row in left] == [(recent, "child")]
        # The audit log keeps who marked, without the link to the deleted conversation.
        trail = await desk.db.fetch_all(
            "SELECT conversation_id FROM audit_log WHERE action = 'safety_feedback' ORDER BY id"
        )
        assert [row[0] for row in trail] == [None, recent]
