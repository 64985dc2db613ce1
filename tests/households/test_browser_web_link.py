"""An invitation's web chat link in a real browser: the consent question comes first, on the
page; 「はい」 links the visitor to the household and gives them the household's counselor,
「いいえ」 and a link that no longer works link nothing, and the token is never kept in the
address bar, the stored events or the logs."""

from __future__ import annotations

import logging

from playwright.async_api import expect

from bot.app import keys
from storage import conversations, events, households
from storage.statuses import HouseholdRole, InvitationState
from tests.console.browser import jst, needs_browser
from tests.web.browser import PHONE, labels, settled, web_desk

pytestmark = needs_browser

QUESTION = "ご家族からの相談も届いています"


async def web_contacts(desk) -> list[int]:
    def find(conn):
        rows = conn.execute("SELECT id FROM contacts WHERE channel = 'web' ORDER BY id")
        return [row[0] for row in rows.fetchall()]

    return await desk.db.read(find)


async def test_the_web_link_asks_first_and_only_yes_links(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        sato = await desk.add_staff("sato", "佐藤")
        mother = await desk.mother_through_the_family_flow()
        mother_conversation = await desk.db.read(
            lambda c: (
                conversations.open_for(
                    c,
                    c.execute(
                        "SELECT id FROM contacts WHERE user_hash = ?",
                        (desk.db.keyring.user_hash("line", mother),),
                    ).fetchone()[0],
                ).id
            )
        )
        made = await desk.service.app[keys.DESK].invite(mother_conversation, sato)
        declined = await desk.service.app[keys.DESK].invite(mother_conversation, sato)

        async with desk.browser(PHONE) as son:
            page = son.page
            await page.goto(desk.url(made.web_path))
            await expect(page.locator("#log")).to_contain_text(QUESTION)
            assert "invite" not in page.url and made.token not in page.url
            offered = await labels(page)
            assert len(offered) == 2 and offered[0].startswith("はい")
            assert offered[1].startswith("いいえ")
            assert await page.locator("#log li").count() == 1  # nothing before the question
            await page.locator("#choices button").first.click()
            await expect(page.locator("#log")).to_contain_text("担当は佐藤です")
            (son_contact,) = await web_contacts(desk)
            member = await desk.db.read(households.membership, son_contact)
            assert member is not None and member.role == HouseholdRole.SELF
            assert member.household_id == made.household_id
            joined = await desk.db.read(conversations.open_for, son_contact)
            assert joined.counselor_id == sato

        async with desk.browser(PHONE) as sister:
            page = sister.page
            await page.goto(desk.url(declined.web_path))
            await expect(page.locator("#log")).to_contain_text(QUESTION)
            count = await page.locator("#log li").count()
            await page.locator("#choices button", has_text="いいえ").click()
            await settled(page, "#log li", count + 2)
            await expect(page.locator("#log")).to_contain_text("ご家族の相談とはつながりません")
            # An ordinary conversation begins: the flow's first question and its buttons.
            assert "自分のこと" in await labels(page)
            sister_contact = (await web_contacts(desk))[-1]
            assert await desk.db.read(households.membership, sister_contact) is None
            closed = await desk.db.read(households.get_invitation, declined.id)
            assert closed.state == InvitationState.CLOSED

        # The used link, and one that never was: a kind sentence, then the greeting.
        for path in (made.web_path, "/chat#invite=not-a-real-token-at-all", "/chat#invite=abc"):
            async with desk.browser(PHONE) as stranger:
                page = stranger.page
                await page.goto(desk.url(path))
                await expect(page.locator("#log")).to_contain_text("もう使えないようです")
                assert "自分のこと" in await labels(page)
        for contact in (await web_contacts(desk))[2:]:
            assert await desk.db.read(households.membership, contact) is None

        stored = await desk.db.read(
            lambda c: [
                events.open_payload(c, *row)
                for row in c.execute("SELECT id, contact_id, payload FROM inbound_events")
            ]
        )
        for token in (made.token, declined.token):
            assert not any(token in payload for payload in stored)
            assert token not in caplog.text


async def test_the_link_on_the_familys_shared_browser_shows_nothing_of_the_mothers(tmp_path):
    """The mother chats in the family's browser; her son opens the card's link in a new tab
    of the same browser: his page holds the question and none of her words, and what he
    writes goes to a conversation of his own."""
    marker = "母だけのメモ：夜中の物音のこと"
    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        sato = await desk.add_staff("sato", "佐藤")
        line_mother = await desk.mother_through_the_family_flow()
        conversation = await desk.db.read(
            lambda c: (
                conversations.open_for(
                    c,
                    c.execute(
                        "SELECT id FROM contacts WHERE user_hash = ?",
                        (desk.db.keyring.user_hash("line", line_mother),),
                    ).fetchone()[0],
                ).id
            )
        )
        made = await desk.service.app[keys.DESK].invite(conversation, sato)
        async with desk.browser(PHONE) as family_pc:
            mother = family_pc.page
            await mother.goto(desk.url("/chat"))
            await settled(mother, "#log li", 1)
            await mother.get_by_label("ここに書いてください").fill(marker)
            await mother.get_by_role("button", name="送る").click()
            await expect(mother.locator("#log")).to_contain_text(marker)
            (mother_contact,) = await web_contacts(desk)

            son = await family_pc.context.new_page()
            await son.goto(desk.url(made.web_path))
            await expect(son.locator("#log")).to_contain_text(QUESTION)
            await settled(son, "#log li", 1)
            assert marker not in await son.locator("body").inner_text()
            await son.locator("#choices button").first.click()
            await expect(son.locator("#log")).to_contain_text("担当は佐藤です")
            son_contact = (await web_contacts(desk))[-1]
            assert son_contact != mother_contact
            assert await desk.db.read(households.membership, mother_contact) is None
