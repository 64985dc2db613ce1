"""A counselor on a tablet teaches the danger detector (issue 17): a subtle message the
detector missed is marked "見逃し" with its level, a colleague sees the mark arrive live, the
mark is withdrawn, and a signalled message is marked "誤検知"; hostile HTML from the client
stays text, with the controls still beside it."""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.browser import SCREENSHOTS, TABLET, Desk, jst, needs_browser, no_sideways_scroll

pytestmark = needs_browser

# A tablet held upright, as at a counselor's desk: the history has room for a few messages.
UPRIGHT_TABLET = {"width": 834, "height": 1194}

# Giving away one's belongings: a warning sign no phrase names (the detector misses it).
SUBTLE = "息子が最近、急に穏やかになって、昔の写真を整理しています"
DANGER = "息子が「もう死にたい」と言って部屋にこもっています"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"><b>太字ではない</b>"


async def test_a_counselor_marks_a_missed_danger_and_a_false_alarm(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:  # a Wednesday
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("suzuki", "鈴木")
        mother = await desk.mother_through_the_family_flow()
        conversation = await desk.conversation_of(mother)
        await desk.client_writes(mother, SUBTLE)
        await desk.client_writes(mother, DANGER)

        async with desk.browser(UPRIGHT_TABLET) as sato_tab, desk.browser(TABLET) as suzuki_tab:
            sato, suzuki = sato_tab.page, suzuki_tab.page
            address = desk.url(f"/console/conversations/{conversation.id}")
            await desk.sign_in(suzuki, "suzuki")
            await suzuki.goto(address)
            await expect(suzuki.locator("#live")).to_have_attribute("data-state", "open")
            await desk.sign_in(sato, "sato")
            await sato.goto(address)

            subtle = sato.locator(".msg.from-client", has_text=SUBTLE)
            danger = sato.locator(".msg.from-client", has_text=DANGER)
            # The signalled message says so, and offers only "false alarm"; the other only
            # "missed" (if this fails, the detector learnt SUBTLE: choose a subtler one).
            await expect(danger.locator(".fb-signal")).to_have_text("危険のサイン（自殺・自傷）")
            await expect(danger.get_by_role("button", name="誤検知")).to_be_visible()
            await expect(danger.get_by_role("button", name="危険の見逃し…")).to_have_count(0)
            await expect(subtle.locator(".fb-signal")).to_have_count(0)
            await expect(subtle.get_by_role("button", name="誤検知")).to_have_count(0)

            missed = subtle.get_by_role("button", name="危険の見逃し…")
            await missed.click()
            await expect(missed).to_have_attribute("aria-expanded", "true")
            await expect(subtle.get_by_role("group", name="本来の危険の種類：")).to_be_visible()
            await subtle.get_by_role("button", name="自殺・自傷").click()
            mark = subtle.locator(".fb-marks li")
            await expect(mark).to_have_text("見逃し（自殺・自傷）・佐藤・10:00取り消す")
            await expect(subtle.get_by_role("group", name="本来の危険の種類：")).to_have_count(0)

            # The colleague's page hears of it and shows whose mark it is, without a
            # button to withdraw it.
            theirs = suzuki.locator(".msg.from-client", has_text=SUBTLE).locator(".fb-marks li")
            await expect(theirs).to_have_text("見逃し（自殺・自傷）・佐藤・10:00")
            await expect(theirs.get_by_role("button")).to_have_count(0)

            assert await no_sideways_scroll(sato)
            # The history shows the marked message and the signalled one below it.
            await subtle.evaluate(
                """node => {
                    const list = node.closest("ol");
                    const gap = node.getBoundingClientRect().top - list.getBoundingClientRect().top;
                    list.scrollTop += gap - 8;
                    window.scrollTo(0, 0);
                }"""
            )
            await sato.screenshot(path=str(SCREENSHOTS / "safety_feedback.png"))
            # The quiet line never covers the client's words, however narrow the bubble.
            tag = await danger.locator(".feedback").bounding_box()
            words = await danger.locator(".text").bounding_box()
            assert tag and words and tag["y"] + tag["height"] <= words["y"] + 1, (tag, words)

            # Withdrawn, then a false alarm on the signalled message.
            await subtle.get_by_role("button", name="取り消す").click()
            await expect(subtle.locator(".fb-marks li")).to_have_count(0)
            await danger.get_by_role("button", name="誤検知").click()
            await expect(danger.locator(".fb-marks li")).to_have_text("誤検知・佐藤・10:00取り消す")
            await expect(danger.get_by_role("button", name="誤検知")).to_have_count(0)
            rows = await desk.db.read(
                lambda c: c.execute(
                    "SELECT message_id, kind, level FROM safety_feedback"
                ).fetchall()
            )
            assert [(kind, level) for _, kind, level in rows] == [("false_alarm", None)]

            # Hostile HTML from the client: text, with the controls beside it.
            await desk.client_writes(mother, HOSTILE)
            hostile = sato.locator(".msg.from-client", has_text="太字ではない")
            await expect(hostile.locator(".text")).to_have_text(HOSTILE)
            await expect(hostile.get_by_role("button", name="危険の見逃し…")).to_be_visible()
            assert await hostile.locator("img, b").count() == 0
            assert await sato.title() != "pwned"
            assert sato_tab.dialogs == []
