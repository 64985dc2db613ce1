"""The acknowledgement rules of bot/promises/acks.py on their own: which words a client is
told (who answers and by when) for each kind of owner and hour, as pure functions of the
owner, the policy and the time; and the three deadlines a burst starts, on a real SQLite
file. The same rules through the webhook: tests/test_handoff.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.config.ack_policy import AckPolicy
from bot.config.organizations import Organization
from bot.handoff.assignment import Owner
from bot.messages.catalogue import Catalogue
from bot.promises.acks import (
    Words,
    announce_owner,
    danger_promise,
    followup_text,
    start_burst,
    still_held,
)
from bot.runtime.clock import TOKYO
from storage import contacts, conversations, deadlines, organizations
from storage.database import Database
from storage.staff import StaffMember
from tests.sealing_keys import TEST_KEYS


def jst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


WEDNESDAY_10 = jst(25, 10)  # open: the promise is escalate_after (2h) of open time
WEDNESDAY_18 = jst(25, 18)  # closed: the promise is the next opening
POLICY = AckPolicy()
WELFARE = Organization.from_config(
    {
        "id": "welfare",
        "name": "福祉相談センター",
        "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00"),
    },
    "organizations[0]",
)
SATO = StaffMember(1, "sato", "佐藤花子", "佐藤", "welfare", "counselor", True)
SUZUKI = StaffMember(2, "suzuki", "鈴木一郎", "鈴木", "welfare", "counselor", True)

NAMED = Owner(WELFARE, counselor=SATO, responder=SATO)
QUEUED = Owner(WELFARE, counselor=None, responder=None)
COVERED = Owner(WELFARE, counselor=SATO, responder=SUZUKI)  # sato on leave, suzuki covers
ON_LEAVE_NO_COVER = Owner(WELFARE, counselor=SATO, responder=None)


@pytest.fixture(scope="module")
def ja() -> Words:
    return Words(Catalogue.load(), "ja")


@pytest.fixture(scope="module")
def en() -> Words:
    return Words(Catalogue.load(), "en")


# ---- acknowledgement and handoff: who and when ---------------------------------------------


def test_open_an_ack_names_the_counselor_and_the_escalation_time(ja):
    assert announce_owner(ja, NAMED, POLICY, WEDNESDAY_10, ack=True) == [
        "メッセージを受け取りました。担当の佐藤が、今日（11月25日）の12時までにお返事します。"
    ]


def test_the_promise_counts_from_when_the_client_wrote(ja):
    texts = announce_owner(ja, NAMED, POLICY, WEDNESDAY_10, ack=True, since=jst(25, 9, 30))
    assert texts == [
        "メッセージを受け取りました。担当の佐藤が、今日（11月25日）の11時30分までにお返事します。"
    ]


def test_after_hours_the_ack_says_closed_and_promises_the_next_opening(ja):
    assert announce_owner(ja, NAMED, POLICY, WEDNESDAY_18, ack=True) == [
        "メッセージを受け取りました。ただいま受付時間外です。"
        "明日（11月26日）9時以降に、担当の佐藤からお返事します。"
    ]


def test_a_handoff_uses_its_own_words_not_the_acks(ja):
    assert announce_owner(ja, NAMED, POLICY, WEDNESDAY_10, ack=False) == [
        "担当は佐藤です。今日（11月25日）の12時までにお返事します。"
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            WEDNESDAY_10,
            "メッセージを受け取りました。相談員が、今日（11月25日）の12時までにお返事します。",
        ),
        (
            WEDNESDAY_18,
            "メッセージを受け取りました。ただいま受付時間外です。"
            "明日（11月26日）9時以降に、相談員からお返事します。",
        ),
    ],
)
def test_while_queued_the_ack_promises_a_counselor_never_a_name(ja, now, expected):
    assert announce_owner(ja, QUEUED, POLICY, now, ack=True) == [expected]


def test_a_counselor_on_leave_without_cover_is_not_promised(ja):
    texts = announce_owner(ja, ON_LEAVE_NO_COVER, POLICY, WEDNESDAY_10, ack=True)
    assert texts == [
        "メッセージを受け取りました。相談員が、今日（11月25日）の12時までにお返事します。"
    ]


def test_a_cover_is_said_first_then_the_cover_is_the_one_named(ja):
    assert announce_owner(ja, COVERED, POLICY, WEDNESDAY_10, ack=True) == [
        "担当の佐藤はお休みをいただいています。その間は鈴木がお返事します。",
        "メッセージを受け取りました。担当の鈴木が、今日（11月25日）の12時までにお返事します。",
    ]


def test_a_chosen_time_of_day_moves_the_promise_into_it(ja):
    texts = announce_owner(ja, NAMED, POLICY, WEDNESDAY_10, ack=True, contact_time="evening")
    assert texts == [
        "メッセージを受け取りました。ご希望の時間帯に合わせて、"
        "今日（11月25日）16時以降に担当の佐藤からお返事します。"
    ]


@pytest.mark.parametrize("contact_time", ["any", "morning"])
def test_a_time_of_day_the_usual_promise_keeps_changes_nothing(ja, contact_time):
    since = jst(25, 9, 30)  # the promise, 11:30, is in the morning
    usual = announce_owner(ja, NAMED, POLICY, WEDNESDAY_10, ack=True, since=since)
    chosen = announce_owner(
        ja, NAMED, POLICY, WEDNESDAY_10, ack=True, since=since, contact_time=contact_time
    )
    assert chosen == usual


def test_english_says_the_same_promise(en):
    assert announce_owner(en, NAMED, POLICY, WEDNESDAY_10, ack=True) == [
        "We have received your message. 佐藤 will reply by 12:00 today (25 Nov)."
    ]


# ---- after a danger answer --------------------------------------------------------------


def test_after_a_danger_answer_who_and_when(ja):
    assert danger_promise(ja, NAMED, POLICY, WEDNESDAY_10, since=WEDNESDAY_10, when_said=False) == (
        "担当の佐藤が、今日（11月25日）の12時までにお返事します。"
    )
    after_hours = danger_promise(
        ja, NAMED, POLICY, WEDNESDAY_18, since=WEDNESDAY_18, when_said=False
    )
    assert after_hours == "担当の佐藤が、明日（11月26日）9時以降にお返事します。"


def test_after_hours_when_the_answer_said_when_only_who_is_added(ja):
    named = danger_promise(ja, NAMED, POLICY, WEDNESDAY_18, since=WEDNESDAY_18, when_said=True)
    assert named == "担当は佐藤です。"
    queued = danger_promise(ja, QUEUED, POLICY, WEDNESDAY_18, since=WEDNESDAY_18, when_said=True)
    assert queued == ""


# ---- the follow-up and the words after a handoff -----------------------------------------


def test_the_follow_up_repeats_the_promise_made(ja):
    promise = jst(25, 12)
    now = jst(25, 10, 30)
    assert followup_text(ja, NAMED, promise, now) == (
        "メッセージは担当の佐藤に届いています。今日（11月25日）の12時までにお返事します。"
    )
    assert followup_text(ja, QUEUED, promise, now) == (
        "メッセージは相談員に届いています。今日（11月25日）の12時までにお返事します。"
    )
    window = followup_text(ja, NAMED, None, now, promise_from=jst(25, 16))
    assert window == (
        "メッセージは担当の佐藤に届いています。ご希望の時間帯に合わせて、"
        "今日（11月25日）16時以降にお返事します。"
    )


def test_stop_after_a_handoff_says_who_keeps_the_conversation(ja):
    assert "担当の佐藤がお預かりしています" in still_held(ja, NAMED, "after_handoff_pause")
    queued = still_held(ja, QUEUED, "after_handoff_pause")
    assert "相談員がお預かりしています" in queued and "佐藤" not in queued


# ---- a burst's deadlines, on a real SQLite file ---------------------------------------------


async def test_a_burst_starts_three_deadlines_and_the_follow_up_carries_the_promise(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:

        def burst(conn, contact_time=None):
            organizations.sync(conn, [("welfare", "福祉相談センター")])
            contact = contacts.upsert_seen(conn, "line", "U" + "0" * 32, WEDNESDAY_10)
            conversation = conversations.open_for_contact(conn, contact.id, WEDNESDAY_10)
            return start_burst(
                conn, conversation.id, NAMED, POLICY, WEDNESDAY_10, WEDNESDAY_10, contact_time
            )

        planned = await db.write(burst)
        due = {d.kind: d.due_at.astimezone(TOKYO) for d in planned}
        assert due == {
            "followup": jst(25, 10, 30),
            "remind_staff": jst(25, 10, 15),
            "escalate": jst(25, 12),
        }
        followup = next(d for d in planned if d.kind == "followup")
        assert followup.payload == {"promise": jst(25, 12).isoformat()}

        # A second burst cancels the first one's deadlines: one set pending at a time.
        again = await db.write(lambda c: burst(c, "evening"))
        counts = await db.read(deadlines.counts_by_status)
        assert counts == {"pending": 3, "cancelled": 3}
        followup = next(d for d in again if d.kind == "followup")
        assert followup.payload == {"promise_from": jst(25, 16).isoformat()}
        assert {d.generation for d in again} == {planned[0].generation + 1}
    finally:
        await db.close()
