"""Handoff and acknowledgements with an injected clock: time moves, nobody sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.app import keys
from bot.runtime.clock import TOKYO, ManualClock
from storage import alerts, contacts, conversations, deadlines, staff
from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.organisations import organisations
from tests.service import RunningService, settings_for

CONFIG = organisations(new_year_closed=True, psych_saturdays=True)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


class Window:
    """The service, its clock, the fake LINE and a few staff, as a test drives them."""

    def __init__(self, service: RunningService, line: FakeLine, clock: ManualClock) -> None:
        self.service, self.line, self.clock = service, line, clock
        self.staff: dict[str, int] = {}

    @property
    def db(self):
        return self.service.db

    async def add_staff(self, login: str, display: str, org: str, role: str = "counselor") -> int:
        now = self.clock.now()
        staff_id = await self.db.write(
            lambda c: staff.add(
                c,
                login=login,
                name=display,
                display_name=display,
                org_id=org,
                role=role,
                password_hash=None,
                at=now,
            )
        )
        self.staff[login] = staff_id
        return staff_id

    def ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    async def send(self, user: str, text: str) -> None:
        event = ev.text(user, text, self.line.issue_reply_token(user), ts_ms=self.ms())
        assert await self.service.post_events(event) == 200
        await self.service.settle()

    async def ask_for_a_person(self) -> str:
        user = ev.new_user_id()
        follow = ev.follow(user, self.line.issue_reply_token(user), ts_ms=self.ms())
        await self.service.post_events(follow)
        await self.service.settle()
        await self.send(user, "人と話したい")
        return user

    def last_texts(self, user: str) -> list[str]:
        calls = [c for c in self.line.delivered if c.user_id == user]
        return [m["text"] for m in calls[-1].body["messages"]] if calls else []

    def count(self, user: str) -> int:
        return len([c for c in self.line.delivered if c.user_id == user])

    async def conversation(self, user: str):
        contact = await self.db.read(contacts.find, "line", user)
        found = await self.db.read(conversations.open_for, contact.id)
        if found is None:  # resolved: the latest one
            row = await self.db.fetch_one(
                "SELECT MAX(id) FROM conversations WHERE contact_id = ?", (contact.id,)
            )
            found = await self.db.read(conversations.get, row[0])
        return found

    async def move_to(self, when: datetime) -> int:
        self.clock.set(when)
        fired = await self.service.app[keys.ALARM].run_due()
        await self.service.settle()
        return fired

    @property
    def desk(self):
        return self.service.app[keys.DESK]


@pytest.fixture
def start() -> datetime:
    return jst(2026, 11, 25, 10, 0)  # a Wednesday, open


@pytest.fixture
def config_text() -> str:
    return CONFIG


@pytest.fixture
async def window(tmp_path, line, start, config_text) -> AsyncIterator[Window]:
    clock = ManualClock(start)
    settings = settings_for(tmp_path / "tobira.db", line, config_text)
    async with RunningService(settings, clock) as service:
        yield Window(service, line, clock)


async def test_handoff_names_the_counselor_and_when_then_one_ack_per_burst(window):
    await window.add_staff("sato", "佐藤", "welfare")
    user = await window.ask_for_a_person()
    # escalate_after: 2 hours of open time from 10:00, so by the lunch break at 12:00.
    assert (
        window.last_texts(user)[-1] == "担当は佐藤です。今日（11月25日）の12時までにお返事します。"
    )
    # The announcement answered the flow; the first message after it is acknowledged, and
    # the rest of that burst is not.
    await window.send(user, "よろしくお願いします")
    assert window.last_texts(user) == [
        "メッセージを受け取りました。担当の佐藤が、今日（11月25日）の12時までにお返事します。"
    ]
    sent = window.count(user)
    await window.send(user, "続けて書きます")
    assert window.count(user) == sent

    conversation = await window.conversation(user)
    await window.move_to(jst(2026, 11, 25, 10, 5))
    await window.desk.answer(
        conversation.id, window.staff["sato"], "佐藤です。お話を聞かせてください。"
    )
    await window.service.settle()
    assert window.last_texts(user) == ["佐藤です。お話を聞かせてください。"]

    await window.move_to(jst(2026, 11, 25, 10, 20))
    await window.send(user, "ありがとうございます")  # a new burst: acknowledged at once
    assert window.last_texts(user) == [
        "メッセージを受け取りました。担当の佐藤が、今日（11月25日）の13時20分までにお返事します。"
    ]
    calls = [c for c in window.line.delivered if c.user_id == user]
    assert calls[-1].endpoint == "reply"
    await window.send(user, "もうひとつ")
    await window.send(user, "それから")
    assert window.count(user) == sent + 2  # the staff answer and one acknowledgement

    measured = await window.conversation(user)
    assert measured.first_human_answer_at == jst(2026, 11, 25, 10, 5)


@pytest.mark.parametrize(
    ("start", "phrase"),
    [
        # Friday evening: the weekend is closed.
        (jst(2026, 11, 27, 18, 0), "11月30日（月）9時以降"),
        # Sunday evening before Monday 23 November, 勤労感謝の日 (a national holiday).
        (jst(2026, 11, 22, 20, 0), "11月24日（火）9時以降"),
        # Monday 28 December after hours: the year-end closure runs to 3 January.
        (jst(2026, 12, 28, 18, 0), "1月4日（月）9時以降"),
        # Tuesday evening: tomorrow.
        (jst(2026, 11, 24, 17, 30), "明日（11月25日）9時以降"),
    ],
)
async def test_after_hours_wording_names_the_next_opening(window, phrase):
    await window.add_staff("sato", "佐藤", "welfare")
    user = await window.ask_for_a_person()
    assert window.last_texts(user)[-1] == (
        f"担当は佐藤です。ただいま受付時間外のため、{phrase}にお返事します。"
    )
    conversation = await window.conversation(user)
    await window.desk.answer(conversation.id, window.staff["sato"], "はい")
    await window.send(user, "夜分にすみません")
    assert window.last_texts(user) == [
        "メッセージを受け取りました。ただいま受付時間外です。"
        f"{phrase}に、担当の佐藤からお返事します。"
    ]


async def test_followup_reminder_and_escalation_fire_on_time_and_once(window):
    await window.add_staff("sato", "佐藤", "welfare")
    boss = await window.add_staff("kimura", "木村", "welfare", role="supervisor")
    await window.move_to(jst(2026, 11, 25, 11, 50))
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    sato = window.staff["sato"]
    # Open time only: 10 minutes before lunch, the rest after 13:00.
    assert await window.move_to(jst(2026, 11, 25, 13, 4, 59)) == 0
    await window.move_to(jst(2026, 11, 25, 13, 5))  # remind_staff_after 15m
    assert [
        (a.staff_id, a.kind) for a in await window.db.read(alerts.for_conversation, conversation.id)
    ] == [(sato, "remind")]
    sent = window.count(user)
    await window.move_to(jst(2026, 11, 25, 13, 20))  # followup_after 30m
    assert window.count(user) == sent + 1
    assert window.last_texts(user) == [
        "メッセージは担当の佐藤に届いています。今日（11月25日）の14時50分までにお返事します。"
    ]
    await window.move_to(jst(2026, 11, 25, 14, 50))  # escalate_after 2h: the supervisor
    kinds = [
        (a.staff_id, a.kind) for a in await window.db.read(alerts.for_conversation, conversation.id)
    ]
    assert kinds == [(sato, "remind"), (boss, "escalate")]
    assert await window.move_to(jst(2026, 11, 26, 12, 0)) == 0  # nothing fires twice
    assert window.count(user) == sent + 1
    assert {s for _, s, _ in await window.db.read(deadlines.for_conversation, conversation.id)} == {
        "fired"
    }


async def test_a_staff_answer_cancels_what_was_pending(window):
    await window.add_staff("sato", "佐藤", "welfare")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    await window.move_to(jst(2026, 11, 25, 10, 10))
    await window.desk.answer(conversation.id, window.staff["sato"], "こんにちは")
    await window.service.settle()
    sent = window.count(user)
    await window.move_to(jst(2026, 11, 26, 10, 0))
    assert window.count(user) == sent
    assert await window.db.read(alerts.for_conversation, conversation.id) == []
    statuses = [s for _, s, _ in await window.db.read(deadlines.for_conversation, conversation.id)]
    assert statuses == ["cancelled"] * 3


NIGHT_CONFIG = (
    CONFIG.replace("[routing]", '[acks]\nfollowup_after = "30m"\n[routing]').replace(
        'default = "welfare"', 'default = "night"'
    )
    + '\n[[organizations]]\nid = "night"\nname = "夜間窓口"\n'
    'hours = { wed = "00:00-24:00", thu = "00:00-24:00" }\n'
)


@pytest.mark.parametrize("config_text", [NIGHT_CONFIG])
@pytest.mark.parametrize("start", [jst(2026, 11, 25, 20, 50)])
async def test_a_followup_due_in_quiet_hours_waits_for_the_morning(window):
    await window.add_staff("yoru", "夜間担当", "night")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    sent = window.count(user)
    await window.move_to(jst(2026, 11, 25, 21, 20))  # due, but 21:00-08:00 is quiet
    assert window.count(user) == sent
    from storage.timefmt import to_db

    pending = [
        d
        for d in await window.db.read(deadlines.for_conversation, conversation.id)
        if d[1] == "pending" and d[0] == "followup"
    ]
    assert pending == [("followup", "pending", to_db(jst(2026, 11, 26, 8, 0)))]
    await window.move_to(jst(2026, 11, 26, 7, 59))
    assert window.count(user) == sent
    await window.move_to(jst(2026, 11, 26, 8, 0))
    assert window.count(user) == sent + 1
    assert window.last_texts(user)[0].startswith("メッセージは担当の夜間担当に届いています。")


@pytest.mark.parametrize("config_text", [NIGHT_CONFIG])
@pytest.mark.parametrize("start", [jst(2026, 11, 25, 20, 50)])
async def test_a_client_who_just_wrote_gets_the_followup_even_in_quiet_hours(window):
    await window.add_staff("yoru", "夜間担当", "night")
    user = await window.ask_for_a_person()
    sent = window.count(user)
    await window.move_to(jst(2026, 11, 25, 21, 12))
    await window.send(user, "まだ起きています")  # within 10 minutes of the follow-up
    await window.move_to(jst(2026, 11, 25, 21, 20))
    assert window.count(user) == sent + 1


async def test_leave_hands_over_to_the_cover_and_tells_the_client(window):
    sato = await window.add_staff("sato", "佐藤", "welfare")
    suzuki = await window.add_staff("suzuki", "鈴木", "welfare")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    await window.desk.answer(conversation.id, sato, "佐藤です")
    from datetime import date

    now = window.clock.now()
    await window.db.write(
        lambda c: staff.add_leave(c, sato, date(2026, 11, 26), date(2026, 11, 30), suzuki, now)
    )
    await window.move_to(jst(2026, 11, 26, 10, 0))
    await window.send(user, "佐藤さんはいますか")
    assert window.last_texts(user) == [
        "担当の佐藤はお休みをいただいています。その間は鈴木がお返事します。",
        "メッセージを受け取りました。担当の鈴木が、今日（11月26日）の12時までにお返事します。",
    ]
    await window.move_to(jst(2026, 11, 26, 10, 15))
    reminders = await window.db.read(alerts.for_conversation, conversation.id)
    assert [(a.staff_id, a.kind) for a in reminders] == [(suzuki, "remind")]


@pytest.mark.parametrize("config_text", ['assignment = "review"\n' + CONFIG])
async def test_review_mode_leaves_new_cases_for_a_supervisor_and_still_answers(window):
    sato = await window.add_staff("sato", "佐藤", "welfare")
    boss = await window.add_staff("kimura", "木村", "welfare", role="supervisor")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    assert conversation.status == "queued" and conversation.counselor_id is None
    assert window.last_texts(user)[-1] == (
        "相談員がメッセージを読んで、担当を決めます。今日（11月25日）の12時までにお返事します。"
    )
    await window.move_to(jst(2026, 11, 25, 10, 15))
    reminders = await window.db.read(alerts.for_conversation, conversation.id)
    assert [(a.staff_id, a.kind) for a in reminders] == [(boss, "remind")]
    await window.desk.accept(conversation.id, sato, boss)
    await window.service.settle()
    # Two hours of open time from 10:15 across lunch: 13:15.
    assert window.last_texts(user) == [
        "担当は佐藤です。今日（11月25日）の13時15分までにお返事します。"
    ]
    accepted = await window.conversation(user)
    assert accepted.status == "assigned" and accepted.counselor_id == sato


async def test_a_returning_client_goes_back_to_their_counselor(window):
    await window.add_staff("sato", "佐藤", "welfare")
    takahashi = await window.add_staff("takahashi", "高橋", "psych")
    user = await window.ask_for_a_person()  # routing: welfare, so 佐藤
    first = await window.conversation(user)
    assert first.counselor_id == window.staff["sato"]
    # Later the psychological side took the case on; then it was resolved.
    boss = await window.add_staff("kimura", "木村", "welfare", role="supervisor")
    await window.desk.accept(first.id, takahashi, boss)
    await window.desk.resolve(first.id, takahashi)
    # Seven weeks later (past `reopen_within`) the same person writes again: the bot is
    # back, then 高橋 again.
    await window.move_to(jst(2027, 1, 13, 11, 0))
    await window.send(user, "また相談したいです")
    again = await window.conversation(user)
    assert again.id != first.id and again.status == "bot"
    await window.send(user, "人と話したい")
    again = await window.conversation(user)
    assert again.counselor_id == takahashi
    assert window.last_texts(user)[-1].startswith("担当は高橋です。")


async def test_after_a_resolution_a_returning_client_is_welcomed_back_in_their_language(window):
    sato = await window.add_staff("sato", "佐藤", "welfare")
    user = ev.new_user_id()
    await window.send(user, "English")
    await window.send(user, "talk to a person")
    first = await window.conversation(user)
    assert first.status == "assigned"
    await window.desk.resolve(first.id, sato)
    await window.move_to(jst(2027, 1, 13, 11, 0))  # past `reopen_within`: a new conversation
    await window.send(user, "Hello again")
    again = await window.conversation(user)
    assert again.id != first.id and again.status == "bot"
    texts = window.last_texts(user)
    assert any("Thank you for coming back" in text for text in texts), texts
    assert texts[-1].startswith("Who would you like to talk about?")


@pytest.mark.parametrize("config_text", ["pair_counselors = true\n" + CONFIG])
async def test_pairs_come_from_the_other_organisation_and_get_the_escalation(window):
    sato = await window.add_staff("sato", "佐藤", "welfare")
    takahashi = await window.add_staff("takahashi", "高橋", "psych")
    await window.add_staff("kimura", "木村", "welfare", role="supervisor")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    assert (conversation.counselor_id, conversation.pair_counselor_id) == (sato, takahashi)
    await window.move_to(jst(2026, 11, 25, 12, 0))  # escalate_after: 2 h of open time
    raised = [
        (a.staff_id, a.kind) for a in await window.db.read(alerts.for_conversation, conversation.id)
    ]
    assert raised == [(sato, "remind"), (takahashi, "escalate")]


async def test_measures_time_to_first_answer_and_longest_wait(window):
    sato = await window.add_staff("sato", "佐藤", "welfare")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    await window.desk.answer(conversation.id, sato, "佐藤です")
    await window.move_to(jst(2026, 11, 25, 10, 30))
    await window.send(user, "ひとつめ")  # acknowledged at once
    await window.move_to(jst(2026, 11, 25, 10, 31))
    await window.send(user, "ふたつめ")  # same burst: no answer of any kind until staff
    await window.move_to(jst(2026, 11, 25, 10, 45))
    await window.desk.answer(conversation.id, sato, "お待たせしました")
    measured = await window.conversation(user)
    assert measured.handed_off_at == jst(2026, 11, 25, 10, 0)
    assert measured.first_human_answer_at == jst(2026, 11, 25, 10, 0)
    assert measured.longest_wait_seconds == 14 * 60


@pytest.mark.parametrize(
    "config_text", ['assignment = "review"\npair_counselors = true\n' + CONFIG]
)
async def test_a_case_accepted_at_review_gets_its_pair(window):
    sato = await window.add_staff("sato", "佐藤", "welfare")
    takahashi = await window.add_staff("takahashi", "高橋", "psych")
    boss = await window.add_staff("kimura", "木村", "welfare", role="supervisor")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    await window.desk.accept(conversation.id, sato, boss)
    accepted = await window.conversation(user)
    assert (accepted.counselor_id, accepted.pair_counselor_id) == (sato, takahashi)


async def test_an_answer_to_someone_who_blocked_us_is_kept_and_flagged_not_sent(window):
    sato = await window.add_staff("sato", "佐藤", "welfare")
    user = await window.ask_for_a_person()
    conversation = await window.conversation(user)
    await window.service.post_events(ev.unfollow(user, ts_ms=window.ms()))
    await window.service.settle()
    sent = window.count(user)
    outcome = await window.desk.answer(conversation.id, sato, "お元気ですか")
    await window.service.settle()
    assert outcome.delivered is False and window.count(user) == sent


async def test_retention_deletes_what_the_privacy_note_promises_and_nothing_more(window):
    """Resolved conversations go after the retention period, raw events after 30 days; the
    audit log keeps who did what. (Kept here for the same harness as the handoff tests.)"""
    from bot.app import keys
    from storage import audit

    sato = await window.add_staff("sato", "佐藤", "welfare")
    old_user = await window.ask_for_a_person()
    old = await window.conversation(old_user)
    await window.desk.answer(old.id, sato, "佐藤です")
    await window.desk.resolve(old.id, sato)
    await window.move_to(jst(2029, 11, 20, 10, 0))  # almost three years on
    recent_user = await window.ask_for_a_person()  # a new person, just now
    retention = window.service.app[keys.RETENTION]

    await window.move_to(jst(2029, 11, 24, 10, 0))
    assert (await retention.run())["conversations"] == 0  # not yet three years

    await window.move_to(jst(2029, 11, 26, 10, 0))
    counts = await retention.run()
    assert counts["conversations"] == 1 and counts["contacts"] == 1
    assert await window.db.read(contacts.find, "line", old_user) is None
    assert await window.db.read(conversations.get, old.id) is None
    left = await window.db.fetch_all(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = ?", (old.id,)
    )
    assert left[0][0] == 0
    assert await window.db.read(contacts.find, "line", recent_user) is not None
    # Raw events of the recent person are younger than 30 days: kept; the old ones: gone.
    kept = await window.db.fetch_all("SELECT user_key FROM inbound_events")
    assert {row[0] for row in kept} == {window.db.keyring.user_hash("line", recent_user)}
    trail = await window.db.fetch_all("SELECT staff_id, action FROM audit_log ORDER BY id")
    assert [tuple(r) for r in trail] == [(sato, "answer"), (sato, "resolve")]
    assert await window.db.read(audit.for_conversation, old.id) == []
