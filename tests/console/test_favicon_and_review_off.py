"""Small things a new user meets (issue 19): a favicon on the console and on the web chat
(our own small file, nothing from elsewhere), and a review page that says plainly when the
weekly review is off. The real app on a loopback port."""

from __future__ import annotations

import re

import aiohttp

from tests.console.api_desk import CONFIG, ApiDesk


async def icon_of(session: aiohttp.ClientSession, base: str, page: str) -> str:
    async with session.get(base + page) as response:
        html = await response.text()
    [href] = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert href.startswith("/"), "our own file, no CDN"
    async with session.get(base + href) as icon:
        assert icon.status == 200 and icon.content_type == "image/svg+xml"
        assert (await icon.text()).startswith("<svg")
    return href


async def test_the_console_and_the_web_chat_have_a_favicon(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, aiohttp.ClientSession() as session:
        base = desk.service.url
        assert (await icon_of(session, base, "/chat")).startswith("/chat/static/")
        assert (await icon_of(session, base, "/console/")).startswith("/console/")


async def review_page(desk: ApiDesk) -> str:
    boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
    status, html = await boss.get("/console/review")
    assert status == 200
    return html


async def test_the_review_page_says_when_review_mode_is_off(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        html = await review_page(desk)
        assert 'id="review-off"' in html and "自動で割り当てられます" in html


async def test_the_review_page_says_nothing_of_the_sort_when_review_is_on(tmp_path):
    async with ApiDesk.open(tmp_path, config='assignment = "review"\n' + CONFIG) as desk:
        assert 'id="review-off"' not in await review_page(desk)


async def test_a_counselor_opening_a_supervisors_page_is_told_so_in_words(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        counselor = await desk.sign_in(await desk.add_staff("sato"))
        for page in ("/console/review", "/console/staff", "/console/audit", "/console/figures"):
            status, html = await counselor.get(page)
            assert status == 403, page
            assert "このページは、スーパーバイザーと管理者が使うページです。" in html, page
