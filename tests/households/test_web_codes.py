"""Invitation codes and links on the web chat's API: wrong codes are counted per address
(a new cookie does not start the count again), and no invitation input is ever a 500."""

from __future__ import annotations

import aiohttp

from bot.app import keys
from bot.households import codes
from storage import conversations, households
from tests.console.api_desk import ApiDesk
from tests.web.visitor import Visitor

QUESTION = "ご家族からの相談も届いています"


async def last_words(visitor: Visitor) -> str:
    ours = [m for m in (await visitor.page())["messages"] if m["author"] == "tobira"]
    return "\n".join(part["text"] for part in ours[-1]["parts"])


async def test_twenty_wrong_codes_from_one_address_stop_the_checking_for_every_visitor(
    tmp_path,
):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        mother_conversation = await desk.conversation_id(await desk.ask_for_a_person())
        made = await desk.app[keys.DESK].invite(mother_conversation, sato.id)
        for _ in range(20):  # each guess from a new visitor, as a script would
            async with Visitor(desk.service) as guesser:
                await guesser.start()
                status, _ = await guesser.say(codes.shown(codes.new_code()))
                assert status == 202
                assert "見つかりませんでした" in await last_words(guesser)
        async with Visitor(desk.service) as late:
            await late.start()
            await late.say(made.code)
            assert QUESTION not in await last_words(late)
        invitation = await desk.db.read(households.get_invitation, made.id)
        assert invitation.state == "open"
        offers = await desk.db.read(
            lambda c: c.execute("SELECT COUNT(*) FROM invitation_offers").fetchone()[0]
        )
        assert offers == 0


async def test_a_code_typed_in_the_web_chat_is_asked_about_like_on_line(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        mother_conversation = await desk.conversation_id(await desk.ask_for_a_person())
        made = await desk.app[keys.DESK].invite(mother_conversation, sato.id)
        async with Visitor(desk.service) as son:
            await son.start()
            await son.say(made.code.lower().replace("-", " "))
            assert QUESTION in await last_words(son)
            await son.choose("はい、いっしょに相談する")
            contact = await desk.db.read(
                lambda c: c.execute(
                    "SELECT id FROM contacts WHERE channel = 'web' ORDER BY id DESC"
                ).fetchone()[0]
            )
            joined = await desk.db.read(conversations.open_for, contact)
            assert joined.counselor_id == sato.id


async def test_no_invitation_input_is_ever_a_server_error(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        bodies = [
            {"invite": 123},
            {"invite": None},
            {"invite": ["a"]},
            {"invite": "x" * 100_000},
            {"invite": "<script>"},
            {"invite": "ＡＢＣＤ"},
            [],
            "invite",
        ]
        async with aiohttp.ClientSession() as session:
            for body in bodies:
                async with session.post(desk.service.url + "/chat/api/start", json=body) as got:
                    assert got.status < 500, (body, got.status)
            async with session.post(
                desk.service.url + "/chat/api/start",
                data=b"\xff\xfe{",
                headers={"Content-Type": "application/json"},
            ) as got:
                assert got.status < 500
        await desk.service.settle()
        failed = await desk.db.read(
            lambda c: c.execute(
                "SELECT COUNT(*) FROM inbound_events WHERE status = 'failed'"
            ).fetchone()[0]
        )
        assert failed == 0


async def test_an_invitation_link_on_a_shared_browser_starts_a_new_visitor(tmp_path):
    """The son opens the card's link on the family computer where his mother chatted: he
    gets a conversation of his own; hers is neither shown to him nor written into."""
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        mother_conversation = await desk.conversation_id(await desk.ask_for_a_person())
        made = await desk.app[keys.DESK].invite(mother_conversation, sato.id)
        async with Visitor(desk.service) as browser:
            await browser.start()
            await browser.say("母の秘密のメモ")
            mother_page = await browser.texts()
            before = await desk.db.read(
                lambda c: c.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            )
            status, started = await browser.post("/chat/api/start", {"invite": made.token})
            await desk.service.settle()
            assert status == 200 and started["visitor"] == "new"
            son_page = await browser.texts()
            assert not any("母の秘密のメモ" in text for text in son_page)
            assert any(QUESTION in text for text in son_page)
            await browser.choose("はい、いっしょに相談する")
            # Everything since the link went to the son's own contact, none to the mother's.
            contacts = await desk.db.read(
                lambda c: c.execute(
                    "SELECT COUNT(*) FROM contacts WHERE channel = 'web'"
                ).fetchone()[0]
            )
            assert contacts == 2
            assert before > 0
            assert "母の秘密のメモ" in "\n".join(mother_page)
