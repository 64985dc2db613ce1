"""Staff teach the danger detector (issue 17) through the API: "danger missed" (見逃し) on a
client's message that raised no signal, "false alarm" (誤検知) on one that did; one mark per
message per staff member, replaced or withdrawn; audited without the words; only on
conversations the staff member sees."""

from __future__ import annotations

import json

from storage import audit
from storage.sealed_texts import conversation_subject, opened
from tests.console.api_desk import ApiDesk, Client
from tests.console.test_api_conversations import read_until

HOSTILE = "<img src=x onerror=alert(1)>息子が部屋から出てきません"
DANGER = "もう死にたい"


def feedback_path(conversation_id: int, message_id: int, withdraw: bool = False) -> str:
    path = f"/api/v1/conversations/{conversation_id}/messages/{message_id}/safety-feedback"
    return path + "/withdraw" if withdraw else path


async def client_message(who: Client, conversation_id: int, text: str) -> int:
    """The id of the client's message with these words, from the conversation's detail."""
    status, detail = await who.get(f"/api/v1/conversations/{conversation_id}")
    assert status == 200, detail
    found = [
        m["id"] for m in detail["messages"] if m["author_kind"] == "client" and m["text"] == text
    ]
    assert found, [m["text"] for m in detail["messages"]]
    return found[-1]


async def entries(who: Client, conversation_id: int) -> dict[int, dict]:
    status, body = await who.get(f"/api/v1/conversations/{conversation_id}/safety-feedback")
    assert status == 200, body
    assert body["levels"] == ["crisis", "violence", "child"]
    return {entry["message_id"]: entry for entry in body["messages"]}


async def a_conversation_with_a_danger_signal(desk: ApiDesk) -> tuple[str, int]:
    user = await desk.ask_for_a_person(first=HOSTILE)
    await desk.send(user, DANGER)
    return user, await desk.conversation_id(user)


async def audit_details(desk: ApiDesk) -> list[tuple[str, dict]]:
    rows = await desk.db.read(
        lambda c: c.execute("SELECT action, detail FROM audit_log ORDER BY id").fetchall()
    )
    return [(action, json.loads(detail)) for action, detail in rows if detail]


async def test_a_missed_danger_is_marked_replaced_and_withdrawn(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        sato = await desk.sign_in(sato_id)
        _, conversation_id = await a_conversation_with_a_danger_signal(desk)
        quiet = await client_message(sato, conversation_id, HOSTILE)

        before = await entries(sato, conversation_id)
        assert before[quiet]["signal"] is None and before[quiet]["can_mark"] == "missed"
        assert before[quiet]["marks"] == []

        status, body = await sato.post(
            feedback_path(conversation_id, quiet), {"kind": "missed", "level": "crisis"}
        )
        assert status == 200, body
        assert body["mark"]["kind"] == "missed" and body["mark"]["level"] == "crisis"
        assert body["mark"]["staff"]["display_name"] == "佐藤" and body["mark"]["mine"] is True
        assert body["mark"]["marked_at"].startswith("2026-11-25T01:00")  # 10:00 in Tokyo
        # The answer carries ids, kinds and names: never what the client wrote.
        assert "部屋から" not in json.dumps(body, ensure_ascii=False)

        # Marking again replaces the mark: still one, now "child".
        status, body = await sato.post(
            feedback_path(conversation_id, quiet), {"kind": "missed", "level": "child"}
        )
        assert status == 200, body
        marks = (await entries(sato, conversation_id))[quiet]["marks"]
        assert [(m["kind"], m["level"], m["staff"]["id"]) for m in marks] == [
            ("missed", "child", sato_id.id)
        ]

        # Both changes audited, the second saying what it replaced; never the words.
        entries_in_log = await desk.db.read(audit.for_conversation, conversation_id)
        assert entries_in_log.count((sato_id.id, "safety_feedback")) == 2
        details = [d for a, d in await audit_details(desk) if a == "safety_feedback"]
        assert details[0] == {
            "message_id": quiet,
            "kind": "missed",
            "level": "crisis",
            "replaced": None,
        }
        assert details[1]["replaced"] == {"kind": "missed", "level": "crisis"}
        assert not [d for _, d in await audit_details(desk) if "部屋から" in json.dumps(d)]

        # Withdrawn: gone, audited; withdrawing again changes nothing.
        status, body = await sato.post(feedback_path(conversation_id, quiet, withdraw=True))
        assert status == 200 and body["withdrawn"] is True and body["message"]["marks"] == []
        assert (await entries(sato, conversation_id))[quiet]["marks"] == []
        status, body = await sato.post(feedback_path(conversation_id, quiet, withdraw=True))
        assert status == 200 and body["withdrawn"] is False
        actions = [a for a, _ in await audit_details(desk)]
        assert actions.count("safety_feedback_withdraw") == 1


async def test_a_false_alarm_goes_only_on_a_signalled_message_and_missed_only_elsewhere(
    tmp_path,
):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        _, conversation_id = await a_conversation_with_a_danger_signal(desk)
        quiet = await client_message(sato, conversation_id, HOSTILE)
        danger = await client_message(sato, conversation_id, DANGER)

        found = await entries(sato, conversation_id)
        # Recorded by the turn that detected it (safety_signals), with its level.
        assert found[danger]["signal"] == {"level": "crisis"}
        assert found[danger]["can_mark"] == "false_alarm"
        # "人と話したい" raised nothing either; the bot's own messages are not listed.
        assert [e["signal"] for e in found.values()] == [None, None, {"level": "crisis"}]

        status, body = await sato.post(
            feedback_path(conversation_id, danger), {"kind": "missed", "level": "crisis"}
        )
        assert status == 409 and "すでに危険のサインが出ています" in body["error"]
        status, body = await sato.post(
            feedback_path(conversation_id, quiet), {"kind": "false_alarm"}
        )
        assert status == 409 and "誤検知にはできません" in body["error"]
        assert (await entries(sato, conversation_id))[quiet]["marks"] == []

        status, body = await sato.post(
            feedback_path(conversation_id, danger), {"kind": "false_alarm"}
        )
        assert status == 200, body
        assert body["message"]["marks"][0]["kind"] == "false_alarm"
        assert body["message"]["marks"][0]["level"] is None


async def test_only_a_clients_text_of_this_conversation_can_be_marked(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        _, conversation_id = await a_conversation_with_a_danger_signal(desk)
        _, other_id = await a_conversation_with_a_danger_signal(desk)
        other_message = await client_message(sato, other_id, HOSTILE)
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        bot_message = next(m["id"] for m in detail["messages"] if m["author_kind"] == "bot")

        missed = {"kind": "missed", "level": "violence"}
        for message_id in (bot_message, other_message, 99999):
            status, body = await sato.post(feedback_path(conversation_id, message_id), missed)
            assert status == 404, (message_id, body)
            assert "相談者が書いた文章ではありません" in body["error"]
        status, _ = await sato.post(feedback_path(conversation_id, other_message, withdraw=True))
        assert status == 404
        rows = await desk.db.read(
            lambda c: c.execute("SELECT COUNT(*) FROM safety_feedback").fetchone()[0]
        )
        assert rows == 0


async def test_bad_bodies_get_a_readable_4xx(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        _, conversation_id = await a_conversation_with_a_danger_signal(desk)
        quiet = await client_message(sato, conversation_id, HOSTILE)
        path = feedback_path(conversation_id, quiet)
        for body, words in [
            ({}, "missed（見逃し）か false_alarm"),
            ({"kind": "danger"}, "missed（見逃し）か false_alarm"),
            ({"kind": "missed"}, "「level」で指定"),
            ({"kind": "missed", "level": "sad"}, "「level」で指定"),
            ({"kind": "false_alarm", "level": "crisis"}, "「level」を付けません"),
        ]:
            status, answer = await sato.post(path, body)
            assert status == 400, (body, answer)
            assert words in answer["error"], (body, answer)
        status, answer = await sato.post(path, raw=b"{not json")
        assert status == 400 and "JSON" in answer["error"]
        status, answer = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages/abc/safety-feedback",
            {"kind": "false_alarm"},
        )
        assert status == 400 and "message_id" in answer["error"]
        # In English when the counselor reads English.
        status, answer = await sato.post(
            path, {"kind": "missed"}, headers={"Accept-Language": "en"}
        )
        assert status == 400 and 'needs its "level"' in answer["error"]


async def test_who_may_mark_is_who_sees_the_conversation(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))  # welfare
        tanaka = await desk.sign_in(await desk.add_staff("tanaka", org="psych"))
        boss_id = await desk.add_staff("kimura", role="supervisor", org="psych", display="木村")
        boss = await desk.sign_in(boss_id)
        _, conversation_id = await a_conversation_with_a_danger_signal(desk)  # welfare's
        quiet = await client_message(sato, conversation_id, HOSTILE)
        missed = {"kind": "missed", "level": "crisis"}

        # A counselor of the other organisation does not see it: not found, nothing kept.
        status, body = await tanaka.get(f"/api/v1/conversations/{conversation_id}/safety-feedback")
        assert status == 404 and "閲覧の権限" in body["error"]
        assert (await tanaka.post(feedback_path(conversation_id, quiet), missed))[0] == 404
        assert (await tanaka.post(feedback_path(conversation_id, quiet, withdraw=True)))[0] == 404

        # Without a session: 401; without the CSRF token or from another site: 403.
        anonymous = desk.client()
        assert (await anonymous.post(feedback_path(conversation_id, quiet), missed))[0] == 401
        status, body = await sato.post(feedback_path(conversation_id, quiet), missed, csrf=False)
        assert status == 403 and "確認できませんでした" in body["error"]
        status, _ = await sato.post(
            feedback_path(conversation_id, quiet),
            missed,
            headers={"Origin": "https://evil.example"},
        )
        assert status == 403
        assert (await entries(sato, conversation_id))[quiet]["marks"] == []

        # A supervisor sees every conversation; two marks, each "mine" only to its author.
        assert (await sato.post(feedback_path(conversation_id, quiet), missed))[0] == 200
        status, _ = await boss.post(
            feedback_path(conversation_id, quiet), {"kind": "missed", "level": "violence"}
        )
        assert status == 200
        as_sato = (await entries(sato, conversation_id))[quiet]["marks"]
        as_boss = (await entries(boss, conversation_id))[quiet]["marks"]
        assert [(m["staff"]["display_name"], m["level"], m["mine"]) for m in as_sato] == [
            ("佐藤", "crisis", True),
            ("木村", "violence", False),
        ]
        assert [m["mine"] for m in as_boss] == [False, True]
        # Withdrawing is one's own mark only: sato's stays when the supervisor withdraws.
        await boss.post(feedback_path(conversation_id, quiet, withdraw=True))
        left = (await entries(sato, conversation_id))[quiet]["marks"]
        assert [m["staff"]["display_name"] for m in left] == ["佐藤"]


async def test_a_mark_refreshes_colleagues_pages_live(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki"))
        _, conversation_id = await a_conversation_with_a_danger_signal(desk)
        danger = await client_message(sato, conversation_id, DANGER)
        stream = await suzuki.session.get(desk.service.url + "/api/v1/events")
        assert stream.status == 200
        status, _ = await sato.post(feedback_path(conversation_id, danger), {"kind": "false_alarm"})
        assert status == 200
        seen = await read_until(
            stream,
            lambda kind, data: (
                kind == "conversation_changed" and data.get("conversation_id") == conversation_id
            ),
        )
        # Ids only, as every event.
        assert set(seen[-1][1]) <= {"conversation_id", "staff_id"}
        stream.close()


async def test_a_possible_signal_the_bot_asked_about_can_be_a_false_alarm(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        user = await desk.ask_for_a_person(first=HOSTILE)
        await desk.send(user, "もう何もかも嫌になった")
        conversation_id = await desk.conversation_id(user)
        possible = await client_message(sato, conversation_id, "もう何もかも嫌になった")
        found = await entries(sato, conversation_id)
        assert found[possible]["signal"] == {"level": "crisis"}
        assert found[possible]["can_mark"] == "false_alarm"


async def test_signalled_is_what_the_detector_raised_never_a_typed_answer(tmp_path):
    # The turn records which message raised a signal: a typed 「はい」 to the check-in (the
    # bot's full answer follows it, with danger alerts at its instant) raised none.
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        user = await desk.ask_for_a_person(first=HOSTILE)
        await desk.send(user, "もう何もかも嫌になった")
        await desk.send(user, "はい")
        conversation_id = await desk.conversation_id(user)
        possible = await client_message(sato, conversation_id, "もう何もかも嫌になった")
        yes = await client_message(sato, conversation_id, "はい")

        found = await entries(sato, conversation_id)
        assert found[possible]["signal"] == {"level": "crisis"}
        assert found[yes]["signal"] is None and found[yes]["can_mark"] == "missed"

        # Recorded with its message in the turn: the level, certain or not, the phrase id
        # (never the words), sealed with the writer's key.
        rows = await desk.db.fetch_all(
            "SELECT message_id, level, certain, matched FROM safety_signals"
        )
        assert [tuple(row[:3]) for row in rows] == [(possible, "crisis", 0)]
        assert isinstance(rows[0][3], bytes)
        matched = await desk.db.read(
            lambda c: opened(
                c,
                conversation_subject(c, conversation_id),
                "safety_signals",
                "matched",
                possible,
                rows[0][3],
            )
        )
        assert matched and "嫌" not in matched
        await desk.send(user, DANGER)
        danger = await client_message(sato, conversation_id, DANGER)
        rows = await desk.db.fetch_all(
            "SELECT level, certain FROM safety_signals WHERE message_id = ?", (danger,)
        )
        assert [tuple(row) for row in rows] == [("crisis", 1)]
