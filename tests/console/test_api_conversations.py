"""The console's API on real conversations that arrive through signed LINE webhooks."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from storage import deadlines
from tests.console.api_desk import ApiDesk

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


async def test_a_counselor_finds_the_client_reads_and_answers(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person(first="息子が部屋から出てきません")
        conversation_id = await desk.conversation_id(user)

        status, waiting = await sato.get("/api/v1/conversations?queue=waiting")
        assert status == 200
        [row] = waiting["conversations"]
        assert row["id"] == conversation_id
        assert row["status"] == "assigned" and row["channel"] == "line"
        assert row["counselor"]["display_name"] == "佐藤"
        assert row["waiting_since"] is not None and row["urgent"] is False
        assert row["writer"] == "unknown"  # asked for a person before saying who writes
        assert row["escalate_due"] and row["remind_due"] and row["followup_due"]
        assert waiting["counts"]["waiting"] == 1 and waiting["counts"]["mine"] == 1

        status, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 200
        kinds = [(m["author_kind"], m["kind"]) for m in detail["messages"]]
        assert kinds[0] == ("client", "message/text")
        assert ("system", "handoff_summary") in kinds and ("bot", "handoff") in kinds
        assert detail["messages"][0]["text"] == "息子が部屋から出てきません"
        summary = next(m for m in detail["messages"] if m["kind"] == "handoff_summary")
        assert summary["internal"] is True and summary["delivery"] is None
        assert all(m["delivery"] == "sent" for m in detail["messages"] if m["direction"] == "out")
        assert detail["intake"]["notes"] == ["息子が部屋から出てきません"]
        assert "息子が部屋から出てきません" in detail["handoff_summary"]

        before = len(desk.line.delivered)
        status, answered = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            {"text": "佐藤です。お話を聞かせてください。"},
        )
        assert status == 202
        assert answered["message"]["author_kind"] == "staff"
        assert answered["message"]["author"]["display_name"] == "佐藤"
        assert answered["message"]["delivery"] in ("pending", "sending", "sent")
        assert answered["delivered"] is True
        await desk.service.settle()
        # Exactly one call to LINE, with that text, to that person.
        new = desk.line.delivered[before:]
        assert [(c.user_id, c.texts) for c in new] == [
            (user, ["佐藤です。お話を聞かせてください。"])
        ]
        # The pending follow-up (and the rest of the burst's deadlines) is cancelled.
        rows = await desk.db.read(deadlines.for_conversation, conversation_id)
        assert ("followup", "pending") not in {(kind, status) for kind, status, _ in rows}
        assert {status for _, status, _ in rows} == {"cancelled"}

        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        last = detail["messages"][-1]
        assert last["id"] == answered["message"]["id"] and last["delivery"] == "sent"
        assert detail["waiting_since"] is None and detail["attention"] == "none"
        _, waiting = await sato.get("/api/v1/conversations?queue=waiting")
        assert waiting["conversations"] == []


async def test_hostile_html_is_stored_and_returned_as_data(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        user = await desk.ask_for_a_person()
        await desk.send(user, HOSTILE)
        conversation_id = await desk.conversation_id(user)
        status, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 200
        assert sato.last_headers["Content-Type"].startswith("application/json")
        assert HOSTILE in [m["text"] for m in detail["messages"]]
        # A counselor's answer is text too: it goes to LINE exactly as typed.
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages", {"text": "<b>はい</b>"}
        )
        assert status == 202
        await desk.service.settle()
        assert desk.line.delivered_texts(user)[-1] == "<b>はい</b>"


@pytest.mark.parametrize(
    ("path", "body", "raw", "status", "words"),
    [
        ("/messages", None, b"{not json", 400, "JSON として読めません"),
        ("/messages", None, b"\xff\xfe", 400, "JSON として読めません"),
        ("/messages", None, b"[1, 2]", 400, "オブジェクト"),
        ("/messages", {}, None, 400, "「text」"),
        ("/messages", {"text": 5}, None, 400, "「text」"),
        ("/messages", {"text": "   "}, None, 400, "空です"),
        ("/messages", {"text": "あ" * 5001}, None, 400, "長すぎます"),
        ("/messages", None, b'{"text": "' + b"x" * 70000 + b'"}', 413, "大きすぎます"),
        ("/messages", None, b"[" * 50000, 400, "JSON"),
        ("/urgent", {"urgent": "yes"}, None, 400, "true か false"),
        ("/urgent", None, b"", 400, "JSON"),
        ("/accept", {"counselor_id": "x"}, None, 400, "正の整数"),
        ("/accept", {"counselor_id": 10**30}, None, 400, "正の整数"),
    ],
)
async def test_bad_input_gets_a_readable_4xx_never_a_500(tmp_path, path, body, raw, status, words):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        got, answer = await boss.post(
            f"/api/v1/conversations/{conversation_id}{path}", body, raw=raw
        )
        assert got == status, answer
        assert words in answer["error"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/conversations/999999", 404),
        ("GET", "/api/v1/conversations/abc", 400),
        ("GET", "/api/v1/conversations/0", 400),
        ("GET", "/api/v1/conversations/-3", 400),
        ("GET", "/api/v1/conversations/99999999999999999999999", 400),
        ("POST", "/api/v1/conversations/999999/resolve", 404),
        ("POST", "/api/v1/conversations/999999/messages", 404),
        ("GET", "/api/v1/conversations?queue=everything", 400),
        ("GET", "/api/v1/conversations?queue=waiting&limit=-1", 400),
        ("GET", "/api/v1/conversations?queue=waiting&limit=lots", 400),
        ("GET", "/api/v1/audit?conversation=x", 400),
        ("POST", "/api/v1/alerts/999/seen", 404),
    ],
)
async def test_unknown_ids_and_queues_are_4xx(tmp_path, method, path, status):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        got, answer = await boss.request(method, path, {"text": "はい"})
        assert got == status, answer
        assert isinstance(answer["error"], str) and answer["error"]


async def test_a_counselor_sees_only_their_organisation_and_their_own(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        tanaka = await desk.sign_in(await desk.add_staff("tanaka", org="psych"))
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor", org="psych"))
        user = await desk.ask_for_a_person()  # routed to welfare: sato's
        conversation_id = await desk.conversation_id(user)
        for queue in ("waiting", "all", "mine"):
            _, listed = await tanaka.get(f"/api/v1/conversations?queue={queue}")
            assert listed["conversations"] == [], queue
        status, _ = await tanaka.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 404  # the same answer as for an id that does not exist
        status, _ = await tanaka.post(
            f"/api/v1/conversations/{conversation_id}/messages", {"text": "はい"}
        )
        assert status == 404
        assert (await sato.get(f"/api/v1/conversations/{conversation_id}"))[0] == 200
        _, listed = await boss.get("/api/v1/conversations?queue=all")
        assert [row["id"] for row in listed["conversations"]] == [conversation_id]


async def test_accept_resolve_reopen_and_urgent(tmp_path):
    config_review = 'assignment = "review"\n'
    from tests.console.api_desk import CONFIG

    # A client's message reopens a conversation resolved within a minute (tests/test_reopen.py).
    reopen = '\n[conversations]\nreopen_within = "1m"\n'
    async with ApiDesk.open(tmp_path, config=config_review + CONFIG + reopen) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki"))
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        _, queued = await sato.get("/api/v1/conversations?queue=unassigned")
        assert [row["id"] for row in queued["conversations"]] == [conversation_id]
        assert queued["conversations"][0]["counselor"] is None

        # A counselor may not give a case to someone else.
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/accept", {"counselor_id": 99}
        )
        assert status == 403
        status, accepted = await sato.post(f"/api/v1/conversations/{conversation_id}/accept")
        assert status == 200
        assert accepted["conversation"]["counselor"]["display_name"] == "佐藤"
        await desk.service.settle()
        assert desk.line.delivered_texts(user)[-1].startswith("担当は佐藤です。")
        status, taken = await suzuki.post(f"/api/v1/conversations/{conversation_id}/accept")
        assert status == 409 and "すでに担当者" in taken["error"]
        _, queued = await sato.get("/api/v1/conversations?queue=unassigned")
        assert queued["conversations"] == []

        status, flagged = await sato.post(
            f"/api/v1/conversations/{conversation_id}/urgent", {"urgent": True}
        )
        assert status == 200 and flagged["conversation"]["urgent"] is True
        other = await desk.ask_for_a_person()
        await boss.post(
            f"/api/v1/conversations/{await desk.conversation_id(other)}/accept",
            {"counselor_id": (await sato.get("/api/v1/me"))[1]["staff"]["id"]},
        )
        _, waiting = await sato.get("/api/v1/conversations?queue=waiting")
        assert waiting["conversations"][0]["id"] == conversation_id  # urgent first
        _, urgent = await sato.get("/api/v1/conversations?queue=urgent")
        assert [row["id"] for row in urgent["conversations"]] == [conversation_id]

        status, resolved = await sato.post(f"/api/v1/conversations/{conversation_id}/resolve")
        assert status == 200 and resolved["conversation"]["status"] == "resolved"
        _, done = await sato.get("/api/v1/conversations?queue=resolved")
        assert [row["id"] for row in done["conversations"]] == [conversation_id]
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages", {"text": "はい"}
        )
        assert status == 409
        status, reopened = await sato.post(f"/api/v1/conversations/{conversation_id}/reopen")
        assert status == 200 and reopened["conversation"]["status"] == "assigned"
        status, again = await sato.post(f"/api/v1/conversations/{conversation_id}/reopen")
        assert status == 409 and "解決済み" in again["error"]

        # Resolved, then the client writes again after `reopen_within`: a new conversation,
        # the old one stays shut.
        await sato.post(f"/api/v1/conversations/{conversation_id}/resolve")
        await desk.move(timedelta(minutes=2))
        await desk.send(user, "また相談したいです")
        status, newer = await sato.post(f"/api/v1/conversations/{conversation_id}/reopen")
        assert status == 409 and "あたらしい相談" in newer["error"]

        _, log = await boss.get(f"/api/v1/audit?conversation={conversation_id}")
        actions = [entry["action"] for entry in reversed(log["audit"])]
        for expected in ("accept", "urgent", "resolve", "reopen"):
            assert expected in actions
        assert all(entry["staff"] for entry in log["audit"])


async def test_every_view_is_audited(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        await sato.get(f"/api/v1/conversations/{conversation_id}")
        await sato.get(f"/api/v1/conversations/{conversation_id}")
        await sato.post(f"/api/v1/conversations/{conversation_id}/messages", {"text": "はい"})
        _, log = await boss.get(f"/api/v1/audit?conversation={conversation_id}")
        seen = [(e["staff"]["name"], e["action"]) for e in reversed(log["audit"])]
        assert seen == [("sato", "view"), ("sato", "view"), ("sato", "answer")]
        # Looking at the queue is written down too, unless the page refreshed itself.
        await sato.get("/api/v1/conversations?queue=mine")
        await sato.get("/api/v1/conversations", headers={"X-Tobira-Background": "1"})
        _, everything = await boss.get("/api/v1/audit")
        queue_views = [e for e in everything["audit"] if e["action"] == "view_queue"]
        assert [e["detail"] for e in queue_views] == [{"queue": "mine"}]
        # Reading the audit log is itself in it (the first look, at this conversation's).
        looks = [e for e in everything["audit"] if e["action"] == "view_audit"]
        assert [(e["staff"]["name"], e["conversation_id"]) for e in looks] == [
            ("kimura", conversation_id)
        ]


async def test_alerts_go_to_whom_they_concern(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        _, before = await sato.get("/api/v1/conversations?queue=waiting")
        assert before["conversations"][0]["attention"] == "none"
        await desk.move(timedelta(minutes=16))  # remind_staff_after: 15 minutes
        _, mine = await sato.get("/api/v1/alerts")
        assert [(a["kind"], a["conversation_id"]) for a in mine["alerts"]] == [
            ("remind", conversation_id)
        ]
        _, theirs = await suzuki.get("/api/v1/alerts")
        assert theirs["alerts"] == []
        _, row = await sato.get("/api/v1/conversations?queue=waiting")
        assert row["conversations"][0]["attention"] == "amber"
        assert row["conversations"][0]["open_alerts"] == 1
        for _ in range(4):  # to 30 minutes before the escalation, signed in all along
            await desk.move(timedelta(minutes=25))
            for client in (sato, suzuki):
                assert (await client.get("/api/v1/me"))[0] == 200
        _, row = await sato.get("/api/v1/conversations?queue=waiting")
        assert row["conversations"][0]["attention"] == "red"

        alert_id = mine["alerts"][0]["id"]
        assert (await suzuki.post(f"/api/v1/alerts/{alert_id}/seen"))[0] == 404
        assert (await sato.post(f"/api/v1/alerts/{alert_id}/seen"))[0] == 200
        _, open_now = await sato.get("/api/v1/alerts")
        assert alert_id not in [a["id"] for a in open_now["alerts"]]
        _, everything = await sato.get("/api/v1/alerts?all=1")
        assert alert_id in [a["id"] for a in everything["alerts"]]


async def test_a_failed_delivery_shows_why_and_raises_an_alert(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        desk.line.fail_next("push", 400)
        desk.line.fail_next("reply", 400)
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages", {"text": "届かないお返事"}
        )
        assert status == 202
        await desk.service.settle()
        _, mine = await sato.get("/api/v1/alerts")
        assert [a["kind"] for a in mine["alerts"]] == ["delivery_failed"]
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        last = detail["messages"][-1]
        assert last["delivery"] == "failed" and "HTTP 400" in last["delivery_error"]
        # Opening the conversation is seeing what went wrong: the alert is read.
        _, mine = await sato.get("/api/v1/alerts")
        assert mine["alerts"] == []


async def read_until(stream, last, timeout: float = 10.0) -> list[tuple[str, dict]]:
    """Server-sent events off a response (the hello skipped) up to the first one for which
    `last(kind, data)` is true, that one included."""
    found: list[tuple[str, dict]] = []
    kind = ""

    async def run() -> None:
        nonlocal kind
        while True:
            line = (await stream.content.readline()).decode().strip()
            if line.startswith("event:"):
                kind = line.removeprefix("event:").strip()
            elif line.startswith("data:") and kind != "hello":
                data = json.loads(line.removeprefix("data:"))
                found.append((kind, data))
                if last(kind, data):
                    return

    await asyncio.wait_for(run(), timeout)
    return found


async def test_live_events_reach_the_staff_they_concern(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato")
        tanaka_id = await desk.add_staff("tanaka", org="psych")
        sato, tanaka = await desk.sign_in(sato_id), await desk.sign_in(tanaka_id)
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor", org="psych"))
        url = desk.service.url + "/api/v1/events"
        streams = {}
        for name, client in (("sato", sato), ("tanaka", tanaka), ("boss", boss)):
            streams[name] = await client.session.get(url)
            assert streams[name].status == 200
        assert streams["sato"].headers["Content-Type"].startswith("text/event-stream")
        user = await desk.ask_for_a_person()  # welfare: sato's
        first = await desk.conversation_id(user)

        def assigned(conversation_id):
            return lambda kind, data: (
                kind == "conversation_assigned" and data["conversation_id"] == conversation_id
            )

        # The supervisor hears everything from the first message on; the counselor from
        # when the case is in their organisation (visibility is looked up as events go out).
        for name in ("boss", "sato"):
            seen = await read_until(streams[name], assigned(first))
            if name == "boss":
                assert seen[0] == ("message_received", {"conversation_id": first, "message_id": 1})
                assert {"message_queued", "message_sent"} <= {kind for kind, _ in seen}
            # Ids and kinds only, never text: the page fetches what it shows.
            assert all(
                set(data) <= {"conversation_id", "message_id", "outbox_id", "alert_id", "staff_id"}
                for _, data in seen
            )

        # tanaka (the other organisation) hears of a case only once it is his.
        other = await desk.ask_for_a_person()
        second = await desk.conversation_id(other)
        status, _ = await boss.post(
            f"/api/v1/conversations/{second}/accept", {"counselor_id": tanaka_id.id}
        )
        assert status == 200
        seen = await read_until(
            streams["tanaka"],
            lambda kind, data: (
                kind == "conversation_assigned" and data.get("staff_id") == tanaka_id.id
            ),
        )
        assert first not in {data.get("conversation_id") for _, data in seen}

        # The reminder about the first case goes to sato alone, not to the supervisor.
        await read_until(streams["boss"], assigned(second))
        await desk.move(timedelta(minutes=16))
        seen = await read_until(streams["sato"], lambda kind, _: kind == "alert_raised")
        assert seen[-1][1]["staff_id"] == sato_id.id
        await sato.post(f"/api/v1/conversations/{first}/messages", {"text": "はい"})
        seen = await read_until(
            streams["boss"],
            lambda kind, data: kind == "message_queued" and data["conversation_id"] == first,
        )
        assert not [
            data for kind, data in seen if kind == "alert_raised" and data["staff_id"] == sato_id.id
        ]
        for stream in streams.values():
            stream.close()
