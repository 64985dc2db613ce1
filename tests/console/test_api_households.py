"""The console's household API (issue 20) against the real service: who may call it (401,
403 without the CSRF token, 404 for what the caller may not see), the shapes it answers
with, a revoke made twice, and the household on the conversation's own JSON."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from staff_console.errors import sentence
from storage.read_side import audit_entries
from tests.console.api_desk import ApiDesk, Staff

CODE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}")


async def _mother(desk: ApiDesk) -> tuple[int, object]:
    """A relative who asked for a person (welfare, the default route), and Sato, the welfare
    counselor who has her conversation, signed in."""
    sato = await desk.add_staff("sato", display="佐藤")
    client = await desk.sign_in(sato)
    user = await desk.ask_for_a_person()
    return await desk.conversation_id(user), client


async def test_every_route_needs_a_session_and_every_write_the_csrf_token(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        nobody = desk.client()
        routes = [
            ("POST", f"/api/v1/conversations/{conversation_id}/invitations"),
            ("POST", f"/api/v1/conversations/{conversation_id}/household"),
            ("POST", "/api/v1/invitations/1/revoke"),
            ("GET", "/api/v1/households/1"),
        ]
        for method, path in routes:
            status, body = await nobody.request(method, path, {} if method == "POST" else None)
            assert status == 401, (path, body)
            assert body["error"] == sentence("sign_in_needed", "ja")
        for method, path in routes:
            if method != "POST":
                continue
            status, body = await sato.request(method, path, {}, csrf=False)
            assert status == 403, (path, body)
            assert body["error"] == sentence("csrf", "ja")
        # Nothing was made by the refused calls.
        status, body = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 200 and body["household"] is None


async def test_an_invitation_is_made_with_its_code_links_and_card(tmp_path):
    async with ApiDesk.open(tmp_path, **{"line.basic_id": "@tobira"}) as desk:
        conversation_id, sato = await _mother(desk)
        status, body = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 200
        assert isinstance(body["contact_id"], int) and body["household"] is None

        status, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        assert status == 201, body
        made = body["invitation"]
        assert set(made) == {
            "id",
            "code",
            "household_id",
            "expires_at",
            "web_url",
            "line_url",
            "card_url",
        }
        assert CODE.fullmatch(made["code"]), made["code"]
        # The web link is on this service, its token in the fragment (never sent to a server).
        assert made["web_url"].startswith(desk.service.url + "/chat#invite=")
        assert len(made["web_url"].split("#invite=")[1]) >= 40
        assert made["line_url"] == f"https://line.me/R/oaMessage/@tobira/?{made['code']}"
        assert made["card_url"] == f"/console/invitations/{made['id']}/card"

        # The conversation now shows its household, and the household its member.
        status, body = await sato.get(f"/api/v1/conversations/{conversation_id}")
        household = body["household"]
        assert household == {
            "id": made["household_id"],
            "number": household["number"],
            "label": household["label"],
        }
        assert isinstance(household["number"], int)

        status, body = await sato.get(f"/api/v1/households/{made['household_id']}")
        assert status == 200, body
        shown = body["household"]
        assert {"id", "number", "label", "members", "invitations"} <= set(shown)
        (member,) = shown["members"]
        assert member["role"] == "family" and member["channel"] == "line"
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert member["contact_id"] == detail["contact_id"]
        assert {"contact_id", "role", "relation", "channel", "joined_at", "conversations"} <= set(
            member
        )
        assert [c["id"] for c in member["conversations"]] == [conversation_id]
        assert set(member["conversations"][0]) == {"id", "status", "opened_at"}
        assert [(i["id"], i["state"]) for i in shown["invitations"]] == [(made["id"], "open")]
        # The household shows no code and no link: those are on the card only.
        assert made["code"] not in str(shown) and "invite=" not in str(shown)

        # The card is a console page with the code on it.
        status, page = await sato.get(made["card_url"])
        assert status == 200 and made["code"] in page


async def test_without_a_basic_id_there_is_no_line_link(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        status, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations")
        assert status == 201 and body["invitation"]["line_url"] is None


async def test_a_revoke_closes_the_invitation_and_a_second_one_is_refused_in_words(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        _, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        invitation_id = body["invitation"]["id"]

        status, body = await sato.post(f"/api/v1/invitations/{invitation_id}/revoke")
        assert status == 200, body
        assert body["invitation"]["id"] == invitation_id
        assert body["invitation"]["state"] == "closed"

        status, body = await sato.post(f"/api/v1/invitations/{invitation_id}/revoke")
        assert status == 409, body
        assert body["error"] == sentence("invitation_not_open", "ja")

        # An invitation that does not exist, and one that is not a number.
        status, body = await sato.post("/api/v1/invitations/999/revoke")
        assert status == 404 and body["error"] == sentence("no_invitation", "ja")
        status, body = await sato.post("/api/v1/invitations/abc/revoke")
        assert status == 400 and "invitation_id" in body["error"]


async def test_a_household_by_hand_and_a_second_one_refused(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        status, body = await sato.post(f"/api/v1/conversations/{conversation_id}/household")
        assert status == 201, body
        assert set(body["household"]) == {"id", "number", "label"}
        status, again = await sato.post(f"/api/v1/conversations/{conversation_id}/household")
        assert status == 409 and again["error"] == sentence("already_in_household", "ja")


async def test_what_a_counselor_may_not_see_is_not_there(tmp_path):
    # Suzuki works for the other organisation: Sato's case is not hers, so neither is the
    # household it is in; every answer is the same 404 as for an id that does not exist.
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        suzuki = await desk.sign_in(await desk.add_staff("suzuki", org="psych"))
        _, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        made = body["invitation"]

        status, body = await suzuki.post(f"/api/v1/conversations/{conversation_id}/invitations")
        assert status == 404 and body["error"] == sentence("no_conversation", "ja")
        status, body = await suzuki.post(f"/api/v1/conversations/{conversation_id}/household")
        assert status == 404
        status, body = await suzuki.get(f"/api/v1/households/{made['household_id']}")
        assert status == 404 and body["error"] == sentence("no_household", "ja")
        status, missing = await suzuki.get("/api/v1/households/999")
        assert (status, missing) == (404, body)
        status, body = await suzuki.post(f"/api/v1/invitations/{made['id']}/revoke")
        assert status == 404 and body["error"] == sentence("no_invitation", "ja")
        status, page = await suzuki.get(made["card_url"])
        assert status == 404 and made["code"] not in page

        # Her refused revoke changed nothing: Sato still sees it open.
        _, body = await sato.get(f"/api/v1/households/{made['household_id']}")
        assert [i["state"] for i in body["household"]["invitations"]] == ["open"]

        # A supervisor sees every household.
        boss = await desk.sign_in(await desk.add_staff("boss", role="supervisor", org="psych"))
        status, _ = await boss.get(f"/api/v1/households/{made['household_id']}")
        assert status == 200


async def test_every_look_at_a_household_or_a_card_is_audited(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        _, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        made = body["invitation"]
        await sato.get(f"/api/v1/households/{made['household_id']}")
        # A page refreshing itself after an event is not another look.
        await sato.get(
            f"/api/v1/households/{made['household_id']}", headers={"X-Tobira-Background": "1"}
        )
        await sato.get(made["card_url"])

        entries = await desk.db.read(lambda c: audit_entries(c, limit=100))
        actions = [(e.action, e.detail) for e in entries]
        household = {"household_id": made["household_id"]}
        assert actions.count(("view_household", household)) == 1
        card = {"household_id": made["household_id"], "invitation_id": made["id"]}
        assert ("view_invitation_card", card) in actions


async def test_bad_ids_get_a_sentence_not_a_500(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        _, sato = await _mother(desk)
        for path in ("/api/v1/households/0", "/api/v1/households/x", "/api/v1/households/9" * 30):
            status, body = await sato.get(path)
            assert status in (400, 404), (path, status)
            assert isinstance(body["error"], str) and body["error"]
        status, body = await sato.post("/api/v1/conversations/999/invitations", {})
        assert status == 404 and body["error"] == sentence("no_conversation", "ja")
        status, body = await sato.post("/api/v1/conversations/1/invitations", raw=b"[1,")
        assert status == 400 and body["error"] == sentence("not_json", "ja")


async def test_an_expired_invitation_reads_as_expired_and_cannot_be_revoked_or_printed(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        _, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        made = body["invitation"]
        await desk.move(timedelta(days=91))
        sato = await desk.sign_in(Staff(0, "sato"))  # three months on: a new session

        _, body = await sato.get(f"/api/v1/households/{made['household_id']}")
        assert [i["state"] for i in body["household"]["invitations"]] == ["expired"]
        status, body = await sato.post(f"/api/v1/invitations/{made['id']}/revoke")
        assert status == 409 and body["error"] == sentence("invitation_not_open", "ja")
        status, page = await sato.get(made["card_url"])
        assert status == 409 and made["code"] not in page and "もう使えません" in page


async def test_a_closed_household_makes_no_invitation_and_a_counselor_cannot_close_it(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        conversation_id, sato = await _mother(desk)
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        _, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        household_id = body["invitation"]["household_id"]
        invitation_id = body["invitation"]["id"]
        close = f"/api/v1/households/{household_id}/close"

        # A counselor may not end a household's support; it stays open.
        status, body = await sato.post(close, {})
        assert status == 403 and body["error"] == sentence("forbidden", "ja")
        _, body = await sato.get(f"/api/v1/households/{household_id}")
        assert body["household"]["closed_at"] is None

        status, _ = await boss.post(close, {})
        assert status == 200
        _, body = await sato.get(f"/api/v1/households/{household_id}")
        closed_at = datetime.fromisoformat(body["household"]["closed_at"])
        assert closed_at == desk.clock.now()

        # Nobody new is asked into a closed household, in words, and nothing is made.
        status, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        assert status == 409, body
        assert body["error"] == sentence("household_closed", "ja")
        # The card already made closed with the household: it brings nobody in either.
        _, body = await sato.get(f"/api/v1/households/{household_id}")
        assert [item["state"] for item in body["household"]["invitations"]] == ["closed"]
        status, _ = await sato.get(f"/console/invitations/{invitation_id}/card")
        assert status == 409
