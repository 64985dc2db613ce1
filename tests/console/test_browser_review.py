"""The weekly review in a real browser: two new intakes wait, unassigned; a supervisor
reads their intake records and accepts both to a pair (a counselor of each organisation);
each client is told, once, who answers and when."""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.browser import (
    CONFIG,
    SCREENSHOTS,
    Desk,
    jst,
    needs_browser,
    no_sideways_scroll,
)

pytestmark = needs_browser


async def test_a_supervisor_accepts_two_new_intakes_to_a_pair(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    config = 'assignment = "review"\n' + CONFIG
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0), config) as desk:
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("tanaka", "田中", org="psych")
        await desk.add_staff("kimura", "木村", role="supervisor")
        mother = await desk.mother_through_the_family_flow()
        other = await desk.asks_for_a_person()
        first, second = await desk.conversation_of(mother), await desk.conversation_of(other)
        assert first.counselor_id is None and second.counselor_id is None

        async with desk.signed_in("kimura") as tab:
            page = tab.page
            await page.get_by_role("link", name="レビュー").click()
            await page.wait_for_url(desk.url("/console/review"))
            cards = page.locator(".review-card")
            await expect(cards).to_have_count(2)
            await expect(page.locator("#review-since")).to_contain_text("はじめてのレビュー")
            mother_card = cards.filter(has_text=f"会話 #{first.id}")
            await expect(mother_card).to_contain_text("母")
            await expect(mother_card).to_contain_text("40代")
            await expect(mother_card.locator(".badge.new")).to_have_text("新規")
            assert await no_sideways_scroll(page)
            await page.screenshot(path=str(SCREENSHOTS / "review.png"), full_page=True)

            for conversation in (first, second):
                card = cards.filter(has_text=f"会話 #{conversation.id}")
                await card.get_by_label("担当").select_option(label="佐藤")
                await card.get_by_label("ペア（もう一方の機関）").select_option(label="田中")
                await card.get_by_role("button", name="受け付ける").click()
                await expect(card.locator(".accepted")).to_contain_text("佐藤（ペア：田中）")

            for user, conversation in ((mother, first), (other, second)):
                found = await desk.db.read(
                    lambda c, cid=conversation.id: c.execute(
                        "SELECT s1.display_name, s2.display_name FROM conversations c"
                        " JOIN staff s1 ON s1.id = c.counselor_id"
                        " JOIN staff s2 ON s2.id = c.pair_counselor_id WHERE c.id = ?",
                        (cid,),
                    ).fetchone()
                )
                assert tuple(found) == ("佐藤", "田中")
                told = [c for c in desk.line.delivered if c.user_id == user][-1].texts
                assert len(told) == 1 and "担当は佐藤です" in told[0], told

            await page.get_by_role("button", name="レビューを終える").click()
            await expect(page.locator("#review-state")).to_contain_text("受け付け 2件")
            await expect(page.locator(".review-list")).to_contain_text(
                "受け付けを待っている相談はありません"
            )
