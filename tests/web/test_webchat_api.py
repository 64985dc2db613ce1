"""The web chat's JSON API and event stream against the real service on a loopback port:
the same flows, handoff and counselors as LINE, and every refusal a readable 4xx."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from yarl import URL

from storage import contacts, conversations, messages
from tests.console.api_desk import ApiDesk
from tests.web.visitor import Visitor, read_events, through_the_family_flow


async def web_conversation(desk: ApiDesk) -> int:
    def find(conn):
        rows = conn.execute("SELECT id FROM contacts WHERE channel = 'web'").fetchall()
        assert len(rows) == 1
        found = conversations.open_for(conn, rows[0][0])
        assert found is not None
        return found.id

    return await desk.db.read(find)


async def test_a_mother_on_the_web_is_handed_to_a_named_counselor_who_answers_live(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as mother:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        assert (await mother.start())["visitor"] == "new"
        texts = await mother.texts()
        assert texts[0].startswith("このページを開いてくださって、ありがとうございます。")
        assert not any("友だち追加" in t for t in texts), "a web page is not a LINE follow"

        await through_the_family_flow(mother)
        assert any("佐藤" in t for t in await mother.texts()), "she is told who will answer"
        conversation_id = await web_conversation(desk)

        page = await mother.page()
        async with mother.session.get(
            mother.url(f"/chat/api/events?after={page['cursor']}"),
            timeout=aiohttp.ClientTimeout(10),
        ) as stream:
            assert stream.status == 200
            status, body = await sato.post(
                f"/api/v1/conversations/{conversation_id}/messages",
                {"text": "はじめまして、佐藤です。お話を聞かせてください。"},
            )
            assert status in (200, 201, 202), body
            [(event_id, kind, item)] = await asyncio.wait_for(read_events(stream, 1), 10)
        assert kind == "message" and item["author"] == "tobira"
        assert item["parts"][0]["text"] == "はじめまして、佐藤です。お話を聞かせてください。"
        assert item["counselor"] == "佐藤", "a person's answer says who wrote it"
        assert all("counselor" not in m for m in page["messages"]), "the bot's do not"
        assert event_id == item["id"][1:]

        # Reconnecting with the last id seen: nothing again; from an older id: the answer once.
        after = await mother.page(after=int(event_id))
        assert after["messages"] == []
        again = await mother.page(after=page["cursor"])
        assert [m["id"] for m in again["messages"]] == [item["id"]]
        async with mother.session.get(
            mother.url("/chat/api/events"), headers={"Last-Event-ID": str(page["cursor"])}
        ) as stream:
            assert [e[2]["id"] for e in await read_events(stream, 1)] == [item["id"]]


async def test_a_returning_visitor_continues_and_leaving_ends_the_token(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await visitor.start()
        await visitor.choose("家族のこと")
        assert (await visitor.start())["visitor"] == "returning"
        before = await visitor.texts()
        assert "家族のこと" in before
        kept = visitor.session.cookie_jar.filter_cookies(URL(visitor.url("/chat")))[
            "tobira_chat"
        ].value

        status, body = await visitor.post("/chat/api/leave", {})
        assert status == 200 and body["go"] == "https://www.google.co.jp/"
        await desk.service.settle()
        assert not visitor.session.cookie_jar.filter_cookies(URL(visitor.url("/chat")))
        contact = await desk.db.read(
            lambda c: c.execute("SELECT reachable FROM contacts WHERE channel = 'web'").fetchone()
        )
        assert contact[0] == 0, "nothing more is sent to a page that was left"

        # Someone who copied the old cookie cannot read or continue the conversation.
        visitor.session.cookie_jar.update_cookies({"tobira_chat": kept}, URL(visitor.url("/chat")))
        assert (await visitor.page())["messages"] == []
        async with visitor.session.get(visitor.url("/chat/api/events")) as refused:
            assert refused.status == 401
            assert "ページを開き直す" in (await refused.json())["message"]
        assert (await visitor.start())["visitor"] == "new"
        assert "家族のこと" not in await visitor.texts()


async def test_forged_unknown_and_expired_tokens_start_a_new_conversation(tmp_path):
    from datetime import timedelta

    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        for forged in ("A" * 43, "not a token at all", "x" * 500):
            visitor.session.cookie_jar.clear()
            visitor.session.cookie_jar.update_cookies(
                {"tobira_chat": forged}, URL(visitor.url("/chat"))
            )
            status, body = await visitor.say("こんにちは")
            assert status == 202 and body["new_visitor"] is True, body
        await visitor.start()
        desk.clock.advance(timedelta(days=31))
        status, body = await visitor.say("おひさしぶりです")
        assert status == 202 and body["new_visitor"] is True
        count = await desk.db.read(
            lambda c: c.execute("SELECT count(*) FROM contacts WHERE channel = 'web'").fetchone()
        )
        assert count[0] == 4


async def test_a_long_message_is_refused_kindly_and_nothing_is_kept(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await visitor.start()
        status, body = await visitor.say("あ" * 10_000)
        assert status == 400 and body["error"] == "too_long"
        assert body["message"] == "メッセージが長すぎます。2000文字までに分けて送ってください。"
        status, body = await visitor.post("/chat/api/messages?lang=en", {"text": "a" * 2001})
        assert status == 400 and "at most 2000 characters" in body["message"]
        assert (await visitor.say("あ" * 2000))[0] == 202
        kept = await desk.db.read(
            lambda c: c.execute(
                "SELECT count(*) FROM inbound_events WHERE channel = 'web' AND kind = 'text'"
            ).fetchone()
        )
        assert kept[0] == 1


async def test_a_flood_from_one_visitor_is_limited_with_a_friendly_429(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await visitor.start()
        statuses = []
        for n in range(30):
            status, body = await visitor.post("/chat/api/messages", {"text": f"{n}"})
            statuses.append(status)
            if status == 429:
                assert body["error"] == "rate_limited"
                assert "少し時間をおいてから" in body["message"]
        assert statuses[:20] == [202] * 20
        assert 429 in statuses[20:]
        await desk.service.settle()


async def test_an_address_is_limited_across_visitors(tmp_path):
    async with ApiDesk.open(tmp_path, **{"web.address_per_minute": 5}) as desk:
        statuses = []
        for _ in range(7):
            async with Visitor(desk.service) as visitor:
                async with visitor.session.post(visitor.url("/chat/api/start"), json={}) as r:
                    statuses.append(r.status)
                    if r.status == 429:
                        assert r.headers["Retry-After"].isdigit()
        assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
        await desk.service.settle()


async def test_behind_a_trusted_proxy_the_limit_is_per_forwarded_address(tmp_path):
    settings = {"web.address_per_minute": 3, "console.trust_forwarded_proto": True}
    async with ApiDesk.open(tmp_path, **settings) as desk:

        async def start(address: str) -> int:
            async with Visitor(desk.service) as visitor:
                headers = {"X-Forwarded-For": f"203.0.113.9, {address}"}
                async with visitor.session.post(
                    visitor.url("/chat/api/start"), json={}, headers=headers
                ) as response:
                    return response.status

        assert [await start("198.51.100.1") for _ in range(4)] == [200, 200, 200, 429]
        assert await start("198.51.100.2") == 200, "another person behind the same proxy"
        await desk.service.settle()


async def test_refusals_are_readable_json_never_500(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await visitor.start()
        url = visitor.url("/chat/api/messages")
        cases = [
            ({"data": "not json", "headers": {"Content-Type": "application/json"}}, 400),
            ({"data": "text=hi", "headers": {"Content-Type": "text/plain"}}, 415),
            ({"json": ["a list"]}, 400),
            ({"json": {"text": 12}}, 400),
            ({"json": {"text": "   "}}, 400),
            ({"json": {"text": "a", "choice": "b"}}, 400),
            ({"json": {"choice": "t9:made:up"}}, 409),
            ({"json": {"text": "hi"}, "headers": {"Origin": "https://evil.example"}}, 403),
            (
                {"data": b"x" * (2 * 1024 * 1024), "headers": {"Content-Type": "application/json"}},
                413,
            ),
        ]
        for kwargs, expected in cases:
            async with visitor.session.post(url, **kwargs) as response:
                body = await response.json()
                assert response.status == expected, (kwargs.get("json"), body)
                assert body["message"].endswith("。"), body
        async with visitor.session.get(visitor.url("/chat/api/messages?after=abc")) as response:
            assert response.status == 400
        await desk.service.settle()


async def test_hostile_html_is_kept_as_text(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await visitor.start()
        hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
        assert (await visitor.say(hostile))[0] == 202
        assert hostile in await visitor.texts()
        conversation_id = await web_conversation(desk)
        kept = await desk.db.read(messages.for_conversation, conversation_id)
        assert hostile in [m.body for m in kept if m.direction == "in"]


async def test_the_page_is_japanese_first_with_english_and_strict_headers(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        async with visitor.session.get(visitor.url("/chat")) as response:
            html = await response.text()
            assert response.status == 200
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["Referrer-Policy"] == "no-referrer"
        assert '<html lang="ja">' in html and "すぐに閉じる" in html
        assert "<script>" not in html, "no inline script"
        async with visitor.session.get(visitor.url("/chat?lang=en")) as response:
            assert "Leave quickly" in await response.text()
        # Opening the page alone creates nothing.
        count = await desk.db.read(lambda c: c.execute("SELECT count(*) FROM contacts").fetchone())
        assert count[0] == 0
        assert contacts is not None and json is not None


async def test_the_cookie_is_httponly_strict_and_secure_behind_a_tls_proxy(tmp_path):
    async def cookie_of(desk: ApiDesk, headers: dict[str, str]) -> str:
        async with Visitor(desk.service) as visitor:
            async with visitor.session.post(
                visitor.url("/chat/api/start"), json={}, headers=headers
            ) as response:
                assert response.status == 200
                return response.headers["Set-Cookie"]

    proxied = {"X-Forwarded-Proto": "https"}
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    async with ApiDesk.open(tmp_path) as desk:
        plain = await cookie_of(desk, proxied)
        assert "HttpOnly" in plain and "SameSite=Strict" in plain and "Path=/chat" in plain
        assert "Secure" not in plain, "a header anyone can send is not trusted by default"
        await desk.service.settle()
    async with ApiDesk.open(tmp_path / "b", **{"console.trust_forwarded_proto": True}) as desk:
        assert "Secure" in await cookie_of(desk, proxied)
        assert "Secure" not in await cookie_of(desk, {})
        await desk.service.settle()
    async with ApiDesk.open(tmp_path / "c", **{"web.secure_cookie": "always"}) as desk:
        assert "Secure" in await cookie_of(desk, {})
        await desk.service.settle()


async def test_expired_and_ended_tokens_are_purged(tmp_path):
    from datetime import timedelta

    from storage import webchat

    async with ApiDesk.open(tmp_path) as desk:
        now = desk.clock.now()
        for name, seen, ended in (
            ("fresh", now, None),
            ("old", now - timedelta(days=40), None),
            ("left", now, now - timedelta(hours=2)),
        ):
            await desk.db.write(lambda c, n=name, s=seen: webchat.add_visitor(c, n, s))
            if ended is not None:
                await desk.db.write(lambda c, n=name, e=ended: webchat.end_visitor(c, n, e))
        gone = await desk.db.write(
            lambda c: webchat.purge_visitors(c, now - timedelta(days=30), now - timedelta(hours=1))
        )
        assert gone == 2
        left = await desk.db.read(
            lambda c: c.execute("SELECT token_hash FROM web_visitors").fetchall()
        )
        assert left == [(desk.db.keyring.visitor_hash("fresh"),)]  # stored keyed


async def test_danger_on_the_web_is_answered_at_once_as_on_line(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await desk.add_staff("sato", display="佐藤")
        await visitor.start()
        await visitor.choose("家族のこと")
        status, _ = await visitor.say("息子が死にたいと言っています")
        assert status == 202
        texts = await visitor.texts()
        assert any("とても心配な状況だと思います" in t for t in texts), texts[-3:]
        row = await desk.db.read(
            lambda c: c.execute(
                "SELECT v.urgent, v.status FROM conversations v JOIN contacts c"
                " ON c.id = v.contact_id WHERE c.channel = 'web'"
            ).fetchone()
        )
        assert row[1] != "bot", "a human has it now, not the script"
