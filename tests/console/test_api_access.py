"""Who may reach the console's API: sessions, CSRF, roles, lockout, idle timeout, revoking."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta

import aiohttp
import pytest
from yarl import URL

from bot.app import keys
from staff_console import events
from tests.console.api_desk import ApiDesk

# Every route of the API. A test below checks that this list names every route the API
# has, so that a new one cannot be left out of these checks.
ROUTES = [
    ("POST", "/api/v1/logout"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/conversations"),
    ("GET", "/api/v1/conversations/{conversation_id}"),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"),
    ("POST", "/api/v1/conversations/{conversation_id}/accept"),
    ("POST", "/api/v1/conversations/{conversation_id}/resolve"),
    ("POST", "/api/v1/conversations/{conversation_id}/reopen"),
    ("POST", "/api/v1/conversations/{conversation_id}/urgent"),
    ("POST", "/api/v1/conversations/{conversation_id}/notes"),
    ("POST", "/api/v1/conversations/{conversation_id}/transfer"),
    ("POST", "/api/v1/conversations/{conversation_id}/take-over"),
    ("POST", "/api/v1/conversations/{conversation_id}/pair"),
    ("GET", "/api/v1/conversations/{conversation_id}/presence"),
    ("POST", "/api/v1/conversations/{conversation_id}/presence"),
    ("GET", "/api/v1/handover"),
    ("GET", "/api/v1/staff"),
    ("POST", "/api/v1/staff/{staff_id}/leave"),
    ("GET", "/api/v1/saved-replies"),
    ("POST", "/api/v1/saved-replies"),
    ("POST", "/api/v1/saved-replies/{reply_id}"),
    ("POST", "/api/v1/saved-replies/{reply_id}/delete"),
    ("GET", "/api/v1/review"),
    ("POST", "/api/v1/review/close"),
    ("GET", "/api/v1/quota"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/alerts"),
    ("POST", "/api/v1/alerts/{alert_id}/seen"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/alerts/history"),
    ("GET", "/api/v1/conversations/{conversation_id}/safety-feedback"),
    ("POST", "/api/v1/conversations/{conversation_id}/messages/{message_id}/safety-feedback"),
    (
        "POST",
        "/api/v1/conversations/{conversation_id}/messages/{message_id}/safety-feedback/withdraw",
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/invitations"),
    ("POST", "/api/v1/conversations/{conversation_id}/household"),
    ("POST", "/api/v1/invitations/{invitation_id}/revoke"),
    ("GET", "/api/v1/households/{household_id}"),
    ("POST", "/api/v1/households/{household_id}/conferences"),
    ("GET", "/api/v1/households/{household_id}/conferences"),
    ("GET", "/api/v1/conferences/{conference_id}"),
    ("POST", "/api/v1/conferences/{conference_id}/shared"),
    ("GET", "/api/v1/action-items"),
    ("GET", "/api/v1/action-items/overdue-count"),
    ("POST", "/api/v1/action-items/{item_id}/done"),
    ("POST", "/api/v1/action-items/{item_id}/drop"),
    ("GET", "/api/v1/figures"),
    ("GET", "/api/v1/figures.csv"),
    ("POST", "/api/v1/contacts/{contact_id}/erase"),
    ("POST", "/api/v1/households/{household_id}/close"),
]


def reachable(path: str) -> str:
    return (
        path.replace("{conversation_id}", "1")
        .replace("{alert_id}", "1")
        .replace("{reply_id}", "1")
        .replace("{message_id}", "1")
        .replace("{invitation_id}", "1")
        .replace("{household_id}", "1")
        .replace("{conference_id}", "1")
        .replace("{item_id}", "1")
        .replace("{contact_id}", "1")
    )


CALLS = [(method, reachable(path)) for method, path in ROUTES]
WRITES = [(method, path) for method, path in CALLS if method == "POST"]


async def test_the_route_list_names_every_route(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        registered = {
            (route.method, route.resource.canonical)
            for route in desk.app.router.routes()
            if route.resource is not None
            and route.resource.canonical.startswith("/api/v1/")
            and route.method != "HEAD"
        }
        assert registered == {*ROUTES, ("POST", "/api/v1/login")}


async def test_nothing_but_login_answers_without_a_session(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        anonymous = desk.client()
        for method, path in [*CALLS, ("GET", "/api/v1/no-such-thing")]:
            status, body = await anonymous.request(method, path, {})
            assert status == 401, (method, path, status, body)
            assert "サインイン" in body["error"]
        # A made-up cookie is no better.
        anonymous.session.cookie_jar.update_cookies({"tobira_session": "forged"})
        status, _ = await anonymous.get("/api/v1/me")
        assert status == 401


async def test_every_write_needs_the_csrf_token(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        for method, path in WRITES:
            status, body = await boss.request(method, path, {}, csrf=False)
            assert status == 403, (path, status, body)
            assert "確認できませんでした" in body["error"]
            status, _ = await boss.request(method, path, {}, headers={"X-CSRF-Token": "wrong"})
            assert status == 403, path
        # Still signed in: the refusals changed nothing.
        status, me = await boss.get("/api/v1/me")
        assert status == 200 and me["staff"]["login"] == "kimura"


async def test_sign_in_sets_a_strict_http_only_cookie(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato")
        client = desk.client()
        status, body = await client.login("sato")
        assert status == 200
        assert body["staff"]["login"] == "sato" and body["staff"]["role"] == "counselor"
        cookie = client.last_headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        assert "default-src 'none'" in client.last_headers["Content-Security-Policy"]
        assert client.last_headers["Cache-Control"] == "no-store"
        # Behind an untrusted proxy, a header saying "https" changes nothing.
        other = desk.client()
        await other.post(
            "/api/v1/login",
            {"login": "sato", "password": "correct horse battery"},
            headers={"X-Forwarded-Proto": "https"},
        )
        assert "Secure" not in other.last_headers["Set-Cookie"]


async def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(tmp_path):
    async with ApiDesk.open(tmp_path, **{"console.trust_forwarded_proto": True}) as desk:
        await desk.add_staff("sato")
        client = desk.client()
        status, _ = await client.post(
            "/api/v1/login",
            {"login": "sato", "password": "correct horse battery"},
            headers={"X-Forwarded-Proto": "https"},
        )
        assert status == 200
        assert "Secure" in client.last_headers["Set-Cookie"]


async def test_a_counselor_cannot_read_the_audit_log(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        status, body = await sato.get("/api/v1/audit")
        assert status == 403 and "スーパーバイザー" in body["error"]
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        status, body = await boss.get("/api/v1/audit")
        assert status == 200
        assert {"sign_in"} <= {entry["action"] for entry in body["audit"]}
        admin = await desk.sign_in(await desk.add_staff("root", role="admin", org=None))
        assert (await admin.get("/api/v1/audit"))[0] == 200


async def test_five_wrong_passwords_lock_the_login_for_a_while(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato")
        client = desk.client()
        for _ in range(4):
            status, body = await client.login("sato", "wrong password!")
            assert status == 401 and "違います" in body["error"]
        status, body = await client.login("sato", "wrong password!")
        assert status == 429 and "ロック" in body["error"] and "15分" in body["error"]
        # Locked: even the right password is refused now.
        status, locked = await client.login("sato")
        assert status == 429 and locked == body
        # A login that does not exist locks the same way and says the same thing.
        for _ in range(5):
            status, other = await client.login("nobody-here", "wrong password!")
        assert status == 429 and other == body
        # Once the lock has run out, the right password works again.
        desk.clock.advance(timedelta(minutes=16))
        assert (await client.login("sato"))[0] == 200


async def test_a_right_password_resets_the_count(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato")
        client = desk.client()
        for _ in range(4):
            assert (await client.login("sato", "wrong password!"))[0] == 401
        assert (await client.login("sato"))[0] == 200
        for _ in range(4):
            assert (await client.login("sato", "wrong password!"))[0] == 401
        assert (await client.login("sato"))[0] == 200


async def test_an_idle_session_expires(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        # Activity keeps it alive...
        for _ in range(3):
            desk.clock.advance(timedelta(minutes=20))
            assert (await sato.get("/api/v1/me"))[0] == 200
        # ...a page refreshing itself does not.
        background = {"X-Tobira-Background": "1"}
        for _ in range(3):
            desk.clock.advance(timedelta(minutes=10))
            status, _ = await sato.get("/api/v1/conversations", headers=background)
            assert status == 200  # 30 minutes idle at most: still signed in
        desk.clock.advance(timedelta(minutes=1))
        assert (await sato.get("/api/v1/conversations", headers=background))[0] == 401
        # Ended for good, even if the clock could go back.
        desk.clock.advance(timedelta(minutes=-30))
        assert (await sato.get("/api/v1/me"))[0] == 401


async def test_the_idle_timeout_is_configurable(tmp_path):
    async with ApiDesk.open(tmp_path, **{"console.idle_timeout": timedelta(minutes=5)}) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        desk.clock.advance(timedelta(minutes=6))
        assert (await sato.get("/api/v1/me"))[0] == 401


async def test_logout_ends_the_session(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        stolen = dict(sato.session.cookie_jar.filter_cookies(URL(desk.service.url)))
        status, body = await sato.post("/api/v1/logout")
        assert status == 200 and body == {"signed_out": True}
        assert (await sato.get("/api/v1/me"))[0] == 401
        # The old cookie value is dead server-side, not only forgotten by the browser.
        replay = desk.client()
        replay.session.cookie_jar.update_cookies({"tobira_session": stolen["tobira_session"].value})
        assert (await replay.get("/api/v1/me"))[0] == 401


@pytest.mark.subprocess
async def test_logout_all_from_the_command_line_revokes_every_session(tmp_path, monkeypatch):
    monkeypatch.setattr(events, "CHECK_EVERY", 0.2)
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato")
        laptop = desk.client()
        tablet = desk.client()
        assert (await laptop.login("sato"))[0] == 200
        assert (await tablet.login("sato"))[0] == 200
        others = await desk.sign_in(await desk.add_staff("tanaka"))
        stream = await laptop.session.get(desk.service.url + "/api/v1/events")
        assert stream.status == 200
        env = {**os.environ, "TOBIRA_DB": str(desk.service.settings.database)}
        env.pop("TOBIRA_CONFIG", None)
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot.cli", "staff", "logout-all", "sato"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["sessions_ended"] == 2
        assert (await laptop.get("/api/v1/me"))[0] == 401
        assert (await tablet.get("/api/v1/me"))[0] == 401
        assert (await others.get("/api/v1/me"))[0] == 200
        # The open event stream says so, and ends.
        text = await asyncio.wait_for(stream.text(), 10)
        assert "event: signed_out" in text
        stream.release()


@pytest.mark.subprocess
async def test_unknown_login_for_logout_all_is_one_clear_line(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        env = {**os.environ, "TOBIRA_DB": str(desk.service.settings.database)}
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot.cli", "staff", "logout-all", "nobody"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr.strip() == "tobira: no staff member with login 'nobody'"


async def test_an_inactive_member_is_signed_out(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        member = await desk.add_staff("sato")
        sato = await desk.sign_in(member)
        await desk.db.write(
            lambda c: c.execute("UPDATE staff SET active = 0 WHERE id = ?", (member.id,))
        )
        assert (await sato.get("/api/v1/me"))[0] == 401
        assert (await desk.client().login("sato"))[0] == 401


async def test_the_api_answers_json_for_an_unknown_address_once_signed_in(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        status, body = await sato.get("/api/v1/no-such-thing")
        assert status == 404 and "何もありません" in body["error"]
        status, body = await sato.request("DELETE", "/api/v1/me")
        assert status == 405 and "DELETE" in body["error"]
        status, body = await sato.get("/api/v1/me", headers={"Accept-Language": "en-GB"})
        assert status == 200
        async with aiohttp.ClientSession() as plain:
            async with plain.get(
                desk.service.url + "/api/v1/me", headers={"Accept-Language": "en"}
            ) as response:
                assert response.status == 401
                assert (await response.json())["error"].startswith("Please sign in")


async def test_ended_sessions_and_failed_logins_are_forgotten_after_30_days(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        await sato.post("/api/v1/logout")
        assert (await desk.client().login("sato", "wrong password!"))[0] == 401

        def count(conn):
            return [
                conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("staff_sessions", "login_attempts")
            ]

        assert await desk.db.read(count) == [1, 1]
        retention = desk.app[keys.RETENTION]
        await retention.run()
        assert await desk.db.read(count) == [1, 1]  # not yet
        desk.clock.advance(timedelta(days=31))
        counts = await retention.run()
        assert counts["staff_sessions"] == 1 and counts["login_attempts"] == 1
        assert await desk.db.read(count) == [0, 0]


async def test_a_post_from_another_site_is_refused_even_the_login(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato")
        client = desk.client()
        body = {"login": "sato", "password": "correct horse battery"}
        status, answer = await client.post(
            "/api/v1/login", body, headers={"Origin": "https://evil.example"}
        )
        assert status == 403 and "確認できませんでした" in answer["error"]
        host = desk.service.url.removeprefix("http://")
        status, _ = await client.post("/api/v1/login", body, headers={"Origin": f"http://{host}"})
        assert status == 200
        status, _ = await client.post("/api/v1/logout", headers={"Origin": "https://evil.example"})
        assert status == 403
        assert (await client.get("/api/v1/me"))[0] == 200
