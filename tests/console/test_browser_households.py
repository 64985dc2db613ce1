"""Households in a real browser (issue 20): a counselor makes an invitation card from a
mother's conversation and the card shows the code and two QR codes that a phone reads back
as the web chat link and the LINE link; the household page shows the mother and her son
with their conversations; a counselor of the other organisation sees only the conversation
she is paired on, and one with no part in the household sees nothing of it."""

from __future__ import annotations

import io
import json
import re

import zxingcpp
from PIL import Image
from playwright.async_api import Page, expect

from bot.app import keys
from tests import line_events as ev
from tests.console.browser import SCREENSHOTS, Desk, jst, needs_browser, no_sideways_scroll

pytestmark = needs_browser

# A Wednesday morning: both organisations are open.
WEDNESDAY = jst(2026, 11, 25, 10, 0)
CODE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}")
NOTE = "お母さまは、息子さんにカードを渡せそうとのこと。急かさないよう伝えました。"
SONS_NOTE = "本人から：母には話さないでほしい。"


async def read_qr_codes(page: Page, selector: str) -> set[str]:
    """What a phone reads from the QR codes in `selector`, from a screenshot of the page."""
    shot = await page.locator(selector).screenshot()
    return {found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))}


def printed_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each printed page's size in millimetres, from the PDF chromium prints."""
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    return [(round(float(w) * 25.4 / 72), round(float(h) * 25.4 / 72)) for w, h in boxes]


async def make_invitation_from_the_page(desk: Desk, page: Page, conversation_id: int) -> str:
    """On the conversation's page, the counselor makes the card; the code it shows."""
    await page.goto(desk.url(f"/console/conversations/{conversation_id}"))
    await expect(page.locator("#household-none")).to_be_visible()
    await page.get_by_role("button", name="招待カードをつくる").click()
    await page.wait_for_url(re.compile(r"/console/invitations/\d+/card"))
    code = (await page.locator("#card-code").text_content() or "").strip()
    assert CODE.fullmatch(code), code
    return code


async def son_joins(desk: Desk, code: str) -> tuple[str, int]:
    """The son follows the account on LINE, types the code loosely (lower case, a space for
    the hyphen) and taps 「はい」: he joins his mother's household as himself."""
    son = await desk.new_client()
    await desk.client_writes(son, code.lower().replace("-", " "))
    buttons = desk._buttons(son)
    yes = next(label for label in buttons if label.startswith("はい"))
    token = desk.line.issue_reply_token(son)
    await desk.post_event(ev.postback(son, buttons[yes], token, ts_ms=desk.ms()))
    conversation = await desk.conversation_of(son)
    assert conversation is not None
    return son, conversation.id


async def test_the_card_shows_the_code_and_qr_codes_a_phone_reads(tmp_path):
    async with Desk.open(tmp_path, WEDNESDAY, **{"line.basic_id": "@tobira"}) as desk:
        await desk.add_staff("sato", "佐藤")
        mother = await desk.mother_through_the_family_flow()
        conversation = await desk.conversation_of(mother)
        async with desk.signed_in("sato") as tab:
            page = tab.page
            code = await make_invitation_from_the_page(desk, page, conversation.id)
            invitation_id = int(page.url.rstrip("/").split("/")[-2])

            card = page.locator("#card")
            await expect(card).to_contain_text("このカードを手にしたあなたへ")
            await expect(card).to_contain_text("ご家族に伝わることはありません")
            await expect(page.locator("#card-shared-device")).to_contain_text("すぐに閉じる")
            await expect(card).to_contain_text("お返事する時間：平日 9時〜17時")
            await expect(page.locator("#card-window")).to_have_text("ひきこもり相談窓口")
            await expect(page.locator("#card-qr-web svg")).to_have_count(1)
            await expect(page.locator("#card-qr-line svg")).to_have_count(1)
            # Made with the web link's token: no note that the web QR code lacks it.
            await expect(page.locator("#card-no-token")).to_have_count(0)
            # The card names nobody: not the client's LINE id, not the counselor.
            text = await card.inner_text()
            assert mother not in text and "佐藤" not in text

            read = await read_qr_codes(page, "#card")
            web = next(url for url in read if "/chat" in url)
            assert web.startswith(desk.url("/chat#invite=")), read
            assert read == {web, f"https://line.me/R/oaMessage/@tobira/?{code}"}

            await page.screenshot(path=str(SCREENSHOTS / "household_card.png"), full_page=True)
            # Printed, it is one A6 sheet, without the staff's toolbar.
            assert printed_pages(await page.pdf(prefer_css_page_size=True)) == [(105, 148)]
            await page.emulate_media(media="print")
            await expect(page.locator(".card-tools")).to_be_hidden()
            await page.emulate_media(media="null")  # not "screen": pdf() would use it too

            # A5, and the card in English: the same code and the same web link.
            await page.get_by_role("button", name="A5で印刷").click()
            await expect(page.locator("body")).to_have_class(re.compile("size-a5"))
            assert printed_pages(await page.pdf(prefer_css_page_size=True)) == [(148, 210)]
            await page.locator("#card-lang").click()
            await expect(page.locator("#card")).to_contain_text("Nothing you write here")
            assert web in await read_qr_codes(page, "#card")
            await expect(page.locator("#card-code")).to_have_text(code)

            # Printed again from the household page: no token then, so the web QR code opens
            # the chat and the card asks for the code.
            await page.goto(desk.url(f"/console/conversations/{conversation.id}"))
            await page.locator("#household-link").click()
            await page.get_by_role("link", name="カードを印刷する").click()
            await expect(page.locator("#card-code")).to_have_text(code)
            await expect(page.locator("#card-no-token")).to_be_visible()
            assert desk.url("/chat") in await read_qr_codes(page, "#card-qr-web")

            # Revoked from the household page, after asking once: the card is gone with it.
            await page.get_by_role("link", name="世帯のページにもどる").click()
            await page.get_by_role("button", name="取り消す").click()
            await page.locator("#revoke-yes").click()
            await expect(page.locator("#notice")).to_contain_text("招待を取り消しました")
            await expect(page.locator("#invitations")).to_contain_text("終了")
            await expect(page.get_by_role("button", name="取り消す")).to_have_count(0)
            response = await page.goto(desk.url(f"/console/invitations/{invitation_id}/card"))
            assert response is not None and response.status == 409
            await expect(page.locator("#card-closed")).to_contain_text("もう使えません")
            assert code not in await page.content()
        assert not tab.dialogs


async def test_the_household_page_shows_the_mother_and_her_son(tmp_path):
    async with Desk.open(tmp_path, WEDNESDAY) as desk:
        await desk.add_staff("sato", "佐藤")
        mother = await desk.mother_through_the_family_flow()
        mothers = await desk.conversation_of(mother)
        await desk.move_to(jst(2026, 11, 25, 11, 20))
        async with desk.signed_in("sato") as tab:
            page = tab.page
            code = await make_invitation_from_the_page(desk, page, mothers.id)
            await desk.move_to(jst(2026, 12, 2, 14, 5))  # a week later, the son writes
            _, sons = await son_joins(desk, code)
            sato_id = await desk.db.read(
                lambda c: c.execute("SELECT id FROM staff WHERE login = 'sato'").fetchone()[0]
            )
            await desk.service.app[keys.DESK].add_note(mothers.id, sato_id, "private", NOTE, None)
            await desk.sign_in(page, "sato")  # a week on, her session has long ended

            # His conversation shows the household, and hers as a link.
            await page.goto(desk.url(f"/console/conversations/{sons}"))
            box = page.locator("#household")
            await expect(box.locator(".member")).to_have_count(2)
            await expect(box.locator(".member[data-role='family']")).to_contain_text("家族（母）")
            await expect(box.locator(".member[data-role='self']")).to_contain_text("ご本人")
            await expect(
                box.locator(f"a[href='/console/conversations/{mothers.id}']")
            ).to_be_visible()
            await expect(box).to_contain_text("この会話")
            # His tap reads as the button he saw, not as its data.
            taps = page.locator(".msg.from-client .text", has_text="はい、いっしょに相談する")
            await expect(taps).to_have_count(1)
            await expect(page.locator("#messages")).not_to_contain_text("invitation:yes")
            await page.screenshot(path=str(SCREENSHOTS / "household_conversation.png"))
            await expect(box.locator("#household-staff-only")).to_contain_text(
                "相談員にだけ表示されます"
            )
            # The invitation is for the person: not made from his own conversation, nor once
            # he has joined.
            await expect(page.locator("#household-invite")).to_be_hidden()

            await box.locator("#household-link").click()
            await page.wait_for_url(re.compile(r"/console/households/\d+"))
            members = page.locator("#members .member")
            await expect(members).to_have_count(2)
            await expect(members.nth(0)).to_contain_text("家族（母）")
            await expect(members.nth(0).locator(f"a[href$='/{mothers.id}']")).to_be_visible()
            await expect(members.nth(1)).to_contain_text("ご本人")
            await expect(members.nth(1).locator(f"a[href$='/{sons}']")).to_be_visible()
            await expect(page.locator("#invitations .invitation")).to_have_count(1)
            await expect(page.locator("#invite")).to_be_hidden()
            await expect(page.locator("#invitations")).to_contain_text("使用済み")
            await expect(page.get_by_role("button", name="取り消す")).to_have_count(0)
            await expect(page.locator("#timeline li")).to_have_count(6)
            await expect(page.locator("#staff-only")).to_be_visible()
            await expect(page.locator("#notes .household-note")).to_have_text(re.compile(NOTE))
            await page.screenshot(path=str(SCREENSHOTS / "household.png"), full_page=True)

        assert not tab.dialogs


async def test_a_counselor_of_the_other_organisation_sees_only_what_she_may(tmp_path):
    async with Desk.open(tmp_path, WEDNESDAY) as desk:
        sato_id = await desk.add_staff("sato", "佐藤")
        suzuki_id = await desk.add_staff("suzuki", "鈴木", org="psych")
        await desk.add_staff("tanaka", "田中", org="psych")
        mother = await desk.mother_through_the_family_flow()
        mothers = await desk.conversation_of(mother)
        made = await desk.service.app[keys.DESK].invite(mothers.id, sato_id)
        _, sons = await son_joins(desk, made.code)
        # Suzuki (psych) is paired on the mother's case only.
        await desk.service.app[keys.DESK].set_pair(mothers.id, suzuki_id, sato_id)
        await desk.service.app[keys.DESK].add_note(sons, sato_id, "private", SONS_NOTE, None)
        await desk.service.app[keys.DESK].add_note(mothers.id, sato_id, "private", NOTE, None)

        async with desk.signed_in("suzuki", path=f"/console/households/{made.household_id}") as tab:
            page = tab.page
            members = page.locator("#members .member")
            await expect(members).to_have_count(2)
            await expect(members.nth(0).locator(f"a[href$='/{mothers.id}']")).to_be_visible()
            # The son is a member she knows of; his conversation is not hers to see.
            await expect(members.nth(1)).to_contain_text("ご本人")
            await expect(members.nth(1)).to_contain_text("あなたが見られる会話はありません")
            await expect(page.locator(f"a[href$='/conversations/{sons}']")).to_have_count(0)
            # Notes of the mother's conversation only: what was written on his stays with his.
            await expect(page.locator("#notes")).to_contain_text(NOTE)
            # Not even in the data the page was given (JSON escapes Japanese: read it back).
            data = json.loads(await page.locator("#page-data").text_content() or "{}")
            assert SONS_NOTE not in json.dumps(data, ensure_ascii=False)
            assert NOTE in json.dumps(data, ensure_ascii=False)
            await page.screenshot(path=str(SCREENSHOTS / "household_other_org.png"), full_page=True)
            # On the mother's conversation, the same: his role, none of his conversations.
            await page.goto(desk.url(f"/console/conversations/{mothers.id}"))
            son_there = page.locator("#household .member[data-role='self']")
            await expect(son_there).to_contain_text("あなたが見られる会話はありません")
            await expect(son_there.locator("a")).to_have_count(0)
            # And his conversation's page is not there for her.
            response = await page.goto(desk.url(f"/console/conversations/{sons}"))
            assert response is not None and response.status == 404

        async with desk.signed_in("tanaka", path=f"/console/households/{made.household_id}") as tab:
            await expect(tab.page.locator("h1")).to_have_text(
                "この世帯は見つからないか、閲覧の権限がありません。"
            )
            await expect(tab.page.locator("#members")).to_have_count(0)
            response = await tab.page.goto(desk.url(f"/console/invitations/{made.id}/card"))
            assert response is not None and response.status == 404
            assert made.code not in await tab.page.content()


async def test_a_supervisor_closes_a_household_and_it_makes_no_more_invitations(tmp_path):
    async with Desk.open(tmp_path, WEDNESDAY) as desk:
        sato_id = await desk.add_staff("sato", "佐藤")
        await desk.add_staff("kimura", "木村", role="supervisor")
        mother = await desk.mother_through_the_family_flow()
        mothers = await desk.conversation_of(mother)
        made = await desk.service.app[keys.DESK].invite(mothers.id, sato_id)
        await desk.move_to(jst(2026, 11, 25, 11, 20))
        path = f"/console/households/{made.household_id}"

        async with desk.signed_in("kimura", path=path) as tab:
            page = tab.page
            await expect(page.locator("#invite")).to_be_visible()
            await expect(page.locator("#household-closed")).to_be_hidden()
            await page.get_by_role("button", name="この世帯の相談を終える").click()
            # The confirmation says what closing means before anything is done.
            confirm = page.locator("#close-confirm")
            await expect(confirm).to_be_visible()
            await expect(confirm).to_contain_text("保存期間（3年）のあいだ保管され、そのあと削除")
            await expect(confirm).to_contain_text(
                "新しい招待はつくれなくなり、有効な招待も使えなく"
            )
            await confirm.get_by_role("button", name="やめる").click()
            await expect(confirm).to_be_hidden()
            await expect(page.locator("#household-closed")).to_be_hidden()

            await page.get_by_role("button", name="この世帯の相談を終える").click()
            await confirm.get_by_role("button", name="相談を終える", exact=True).click()
            closed = page.locator("#household-closed")
            await expect(closed).to_have_text("終了（2026年11月25日）")
            await expect(page.locator("#notice")).to_have_text("この世帯の相談を終えました。")
            await expect(page.locator("#invite")).to_be_hidden()
            await expect(page.locator("#invite-closed")).to_be_visible()
            await expect(page.locator("#close-household")).to_be_hidden()
            await expect(page.locator("#problem")).to_be_hidden()
            # The card made before closed with the household: no print, no revoke left.
            await expect(page.locator("#invitations .invitation")).to_have_attribute(
                "data-state", "closed"
            )
            await expect(page.get_by_role("button", name="取り消す")).to_have_count(0)
            await expect(page.locator("#timeline li").last).to_contain_text(
                "世帯の相談を終えました"
            )
            assert await no_sideways_scroll(page)
            await page.screenshot(path=str(SCREENSHOTS / "household_closed.png"), full_page=True)
            # Read again, the household is still closed.
            await page.reload()
            await expect(closed).to_have_text("終了（2026年11月25日）")
            await expect(page.locator("#close-household")).to_be_hidden()
        assert not tab.dialogs

        # A counselor sees that it is closed, and has no control to close anything.
        async with desk.signed_in("sato", path=path) as tab:
            page = tab.page
            await expect(page.locator("#household-closed")).to_have_text("終了（2026年11月25日）")
            await expect(page.locator("#close-household")).to_have_count(0)
            await expect(page.locator("#close-confirm")).to_have_count(0)
            await expect(page.locator("#invite")).to_be_hidden()
            # In English too, the day spelt out as the console spells dates.
            await page.get_by_role("link", name="English").click()
            await expect(page.locator("#household-closed")).to_have_text(
                "Closed (25 November 2026)"
            )
