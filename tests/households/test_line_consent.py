"""Issue 20's "Done means", on LINE: the real service, signed webhooks, the fake LINE API.

A mother writes through the family flow and is handed to her counselor; the counselor
invites her son; the son follows and types the code loosely; he is asked first, and only
「はい」 links him. 「いいえ」, used, expired and guessed codes link nothing, and no member ever
receives a word of another's.
"""

from __future__ import annotations

from datetime import time, timedelta, timezone
from typing import Any

from bot.app import keys
from bot.households import codes
from bot.households.invitations import NewInvitation
from storage import alerts, contacts, conversations, events, households
from storage.read_side import Viewer
from storage.read_side.household import household_detail, household_of_conversation
from storage.roles import Role
from storage.statuses import AlertKind, HouseholdRole, InvitationState
from tests import line_events as ev
from tests.console.api_desk import ApiDesk, Staff
from tests.stored_texts import client_bodies

MOTHER_TAPS = ["家族のこと", "母", "40代", "10年より長い", "話を聞いてほしい", "このチャットで"]
# What the mother and the son write: neither may ever reach the other.
MOTHER_WORDS = "息子は部屋から出てきません。夜中に物音がして眠れないのです。"
SON_WORDS = "母には言えないけど、外に出るのがこわいです。"


def loosely(code: str) -> str:
    """The code as someone might type it on a phone: lower case, full width, a space."""
    wide = "".join(chr(ord(char) + 0xFEE0) for char in code.replace("-", "").lower())
    return f"{wide[:4]} {wide[4:]}"


def quick_replies(message: dict[str, Any]) -> dict[str, str]:
    items = message.get("quickReply", {}).get("items", [])
    return {item["action"]["label"]: item["action"]["data"] for item in items}


async def postback(desk: ApiDesk, user: str, data: str) -> None:
    token = desk.line.issue_reply_token(user)
    assert await desk.service.post_events(ev.postback(user, data, token, desk.ms())) == 200
    await desk.service.settle()


async def follow(desk: ApiDesk, user: str) -> None:
    token = desk.line.issue_reply_token(user)
    assert await desk.service.post_events(ev.follow(user, token, desk.ms())) == 200
    await desk.service.settle()


async def said_to(desk: ApiDesk, user: str, count: int) -> list[dict[str, Any]]:
    """The messages delivered to `user` once there are at least `count`."""
    await desk.line.wait_for(lambda fake: len(fake.delivered_messages(user)) >= count)
    return desk.line.delivered_messages(user)


async def mother_handed_off(desk: ApiDesk) -> tuple[str, int]:
    """A mother through the family flow to a handoff (her counselor: the one at work)."""
    user = ev.new_user_id()
    await follow(desk, user)
    taps = list(MOTHER_TAPS)
    for _ in range(30):
        last = (await said_to(desk, user, 1))[-1]
        offered = quick_replies(last)
        if not offered:
            break
        label = next((t for t in taps if t in offered), None)
        if label is None:
            label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
        else:
            taps.remove(label)
        before = len(desk.line.delivered_messages(user))
        await postback(desk, user, offered[label])
        await said_to(desk, user, before + 1)
    await desk.send(user, MOTHER_WORDS)
    return user, await desk.conversation_id(user)


async def son_follows(desk: ApiDesk) -> str:
    user = ev.new_user_id()
    await follow(desk, user)
    await said_to(desk, user, 1)
    return user


async def code_sent(desk: ApiDesk, user: str, text: str) -> dict[str, Any]:
    """What the bot answered `text` with: its texts together, the last one's buttons."""
    before = len(desk.line.delivered_messages(user))
    await desk.send(user, text)
    answer = (await said_to(desk, user, before + 1))[before:]
    return {
        "text": "\n".join(m["text"] for m in answer),
        "quickReply": answer[-1].get("quickReply", {}),
    }


async def membership(desk: ApiDesk, user: str) -> households.Membership | None:
    contact = await desk.db.read(contacts.find, "line", user)
    assert contact is not None
    return await desk.db.read(households.membership, contact.id)


async def invite(desk: ApiDesk, conversation_id: int, counselor: Staff) -> NewInvitation:
    return await desk.app[keys.DESK].invite(conversation_id, counselor.id)


async def test_the_son_is_asked_first_and_only_yes_links_him(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        await desk.add_staff("suzuki", display="鈴木")  # less loaded later: not continuity
        mother, mother_conversation = await mother_handed_off(desk)
        assert (await desk.db.read(conversations.get, mother_conversation)).counselor_id == sato.id
        first = await invite(desk, mother_conversation, sato)

        son = await son_follows(desk)
        question = await code_sent(desk, son, loosely(first.code))
        buttons = quick_replies(question)
        assert [label[:2] for label in buttons] == ["はい", "いい"]
        assert list(buttons)[1].startswith("いいえ")
        assert await membership(desk, son) is None  # asked, not linked yet

        await postback(desk, son, buttons[next(iter(buttons))])
        joined = await membership(desk, son)
        assert joined is not None and joined.household_id == first.household_id
        assert joined.role == HouseholdRole.SELF
        son_conversation = await desk.conversation_id(son)
        found = await desk.db.read(conversations.get, son_conversation)
        assert found.counselor_id == sato.id and found.status == "assigned"
        assert found.topic == "self"
        raised = await desk.db.read(alerts.for_conversation, son_conversation)
        assert [(a.kind, a.staff_id) for a in raised] == [(AlertKind.HOUSEHOLD_JOINED, sato.id)]
        # He is told who answers, and when; his conversation shows the household.
        told = [m["text"] for m in await said_to(desk, son, 4)][-2:]
        assert any("佐藤" in text for text in told), told
        viewer = Viewer(sato.id, Role.COUNSELOR, "welfare")
        ref = await desk.db.read(household_of_conversation, son_conversation, viewer)
        assert ref is not None and ref.id == first.household_id
        view = await desk.db.read(household_detail, first.household_id, viewer, desk.clock.now())
        assert {(m.role, m.relation) for m in view.members} == {
            ("family", "mother"),
            ("self", None),
        }
        assert [i.state for i in view.invitations] == [InvitationState.USED]

        # Each writes; the counselor answers each. Nobody receives the other's words.
        await desk.send(son, SON_WORDS)
        await desk.app[keys.DESK].answer(mother_conversation, sato.id, "お母さまへのお返事です")
        await desk.app[keys.DESK].answer(son_conversation, sato.id, "あなたへのお返事です")
        await desk.line.wait_for(
            lambda fake: (
                "あなたへのお返事です" in fake.delivered_texts(son)
                and "お母さまへのお返事です" in fake.delivered_texts(mother)
            )
        )
        await desk.service.settle()
        to_son = "\n".join(desk.line.delivered_texts(son))
        to_mother = "\n".join(desk.line.delivered_texts(mother))
        assert MOTHER_WORDS not in to_son and "お母さまへのお返事です" not in to_son
        assert SON_WORDS not in to_mother and "あなたへのお返事です" not in to_mother
        assert "息子" not in to_son  # not even the flow's words about her
        # The same code again: it is used.
        assert "もう受け付けています" in (await code_sent(desk, son, first.code))["text"]


async def test_no_used_expired_and_guessed_codes_link_nothing(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        mother, mother_conversation = await mother_handed_off(desk)

        # 「いいえ」, typed: a separate conversation, and the invitation closes as if revoked.
        second = await invite(desk, mother_conversation, sato)
        brother = await son_follows(desk)
        await code_sent(desk, brother, loosely(second.code))
        after_no = await code_sent(desk, brother, "いいえ")
        assert await membership(desk, brother) is None
        assert quick_replies(after_no), "the flow's open question again"
        closed = await desk.db.read(households.get_invitation, second.id)
        assert closed.state == InvitationState.CLOSED and closed.code is None
        brother_conversation = await desk.conversation_id(brother)
        viewer = Viewer(sato.id, Role.SUPERVISOR, "welfare")
        assert await desk.db.read(household_of_conversation, brother_conversation, viewer) is None
        # His closed code is answered kindly later, and links nothing.
        stale = await code_sent(desk, brother, second.code)
        assert "もう使えない" in stale["text"]

        # A used code: someone else sends it after it was used.
        third = await invite(desk, mother_conversation, sato)
        joined = await son_follows(desk)
        await code_sent(desk, joined, third.code)
        await code_sent(desk, joined, "はい")
        assert await membership(desk, joined) is not None
        latecomer = await son_follows(desk)
        assert "もう使えない" in (await code_sent(desk, latecomer, third.code))["text"]
        assert await membership(desk, latecomer) is None

        # An expired code: time moves past the invitation's 90 days.
        fourth = await invite(desk, mother_conversation, sato)
        desk.clock.advance(timedelta(days=91))
        late = await son_follows(desk)
        assert "もう使えない" in (await code_sent(desk, late, loosely(fourth.code)))["text"]
        assert await membership(desk, late) is None

        # Twenty wrong codes in a day, then a valid one: not even checked.
        fifth = await invite(desk, mother_conversation, sato)
        guesser = await son_follows(desk)
        for _ in range(20):
            wrong = codes.new_code()
            answer = await code_sent(desk, guesser, codes.shown(wrong))
            assert "見つかりませんでした" in answer["text"]
        valid = await code_sent(desk, guesser, fifth.code)
        assert not quick_replies(valid) or "はい" not in "".join(quick_replies(valid))
        assert "ご家族からの相談" not in valid["text"]
        assert await membership(desk, guesser) is None
        contact = await desk.db.read(contacts.find, "line", guesser)
        assert await desk.db.read(households.pending_offer, contact.id) is None
        still = await desk.db.read(households.get_invitation, fifth.id)
        assert still.state == InvitationState.OPEN

        # A day later the contact may try again.
        desk.clock.advance(timedelta(days=1, minutes=1))
        again = await code_sent(desk, guesser, fifth.code)
        assert "ご家族からの相談" in again["text"]

        # The webhook answered every one of these with 200 (bad codes never 500): the sends
        # above assert it.
        assert not [c for c in desk.line.calls if c.status >= 500], desk.line.summary()
        del mother


async def test_a_code_is_checked_before_the_acknowledgement_when_a_person_owns_the_case(
    tmp_path,
):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        suzuki = await desk.add_staff("suzuki", display="鈴木")
        mother = await desk.ask_for_a_person()
        mother_conversation = await desk.conversation_id(mother)
        assert (await desk.db.read(conversations.get, mother_conversation)).counselor_id == sato.id
        made = await invite(desk, mother_conversation, sato)

        # The son wrote before and has a counselor already (the less loaded one).
        son = await desk.ask_for_a_person()
        son_conversation = await desk.conversation_id(son)
        assert (await desk.db.read(conversations.get, son_conversation)).counselor_id == suzuki.id
        question = await code_sent(desk, son, made.code.lower())
        assert "ご家族からの相談" in question["text"]
        assert "メッセージを受け取りました" not in question["text"]  # not acknowledged instead
        await code_sent(desk, son, "はい")
        moved = await desk.db.read(conversations.get, son_conversation)
        assert moved.counselor_id == sato.id  # the household's counselor, not the first one
        assert (await membership(desk, son)).role == HouseholdRole.SELF


async def test_a_declined_code_leaves_no_trace_that_ties_the_person_to_the_household(tmp_path):
    """After 「いいえ」 nothing stored says who declined: the transcript and the stored event
    keep 「（招待コード）」 for a code that named an invitation (a wrong guess is kept as
    typed), the invitation's close is kept to the day, and the revoke's audit names no
    invitation either, so a decline reads like a revoke."""
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        _, mother_conversation = await mother_handed_off(desk)
        declined = await invite(desk, mother_conversation, sato)
        revoked = await invite(desk, mother_conversation, sato)
        await desk.app[keys.DESK].revoke_invitation(revoked.id, sato.id)
        brother = await son_follows(desk)
        guess = codes.shown(codes.new_code())
        await code_sent(desk, brother, guess)
        await code_sent(desk, brother, loosely(declined.code))
        await code_sent(desk, brother, "いいえ")
        await code_sent(desk, brother, revoked.code)  # stale: it names an invitation too

        def stored(conn):
            bodies = client_bodies(conn)
            payloads = " ".join(
                events.open_payload(conn, *row)
                for row in conn.execute(
                    "SELECT id, contact_id, payload FROM inbound_events"
                ).fetchall()
            )
            details = " ".join(
                row[0] or ""
                for row in conn.execute(
                    "SELECT detail FROM audit_log WHERE action = 'revoke_invitation'"
                ).fetchall()
            )
            return bodies, payloads, details

        bodies, payloads, details = await desk.db.read(stored)
        assert bodies[-4:] == [guess, "（招待コード）", "いいえ", "（招待コード）"]
        for code in (loosely(declined.code), revoked.code):
            assert code not in payloads and code not in " ".join(bodies)
        assert details and '"invitation_id"' not in details
        for made in (declined, revoked):
            closed = await desk.db.read(households.get_invitation, made.id)
            assert closed.state == InvitationState.CLOSED
            assert closed.closed_at is not None
            # The service's day (JST): midnight, not the minute of the 「いいえ」.
            local = closed.closed_at.astimezone(timezone(timedelta(hours=9)))
            assert local.time() == time(0, 0)
