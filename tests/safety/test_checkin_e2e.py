"""A possible danger signal, through /webhooks/line (and the web chat), the fake LINE and the
console: the check-in, and what each answer to it does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import alerts, conversations, messages
from tests import line_events as ev
from tests.console.api_desk import ApiDesk, jst
from tests.console.test_api_conversations import read_until
from tests.safety.test_safety_e2e import YORISOI, buttons, calls_to, start_family_flow, texts
from tests.web.visitor import Visitor

# A weak phrase: the detector calls it a possible crisis (certain = False).
POSSIBLE = "もう何もかも嫌になった"
ANSWERS = ["はい", "いいえ", "答えたくない"]
# What the family flow asks after 家族のこと (its next intake question).
NIGHT = jst(2026, 11, 25, 23, 30)  # Wednesday: the window and Japan's Lifeline are closed


async def tap(desk: ApiDesk, user: str, label: str) -> None:
    """Tap one of the buttons under the last answer, as LINE sends it (a postback)."""
    data = buttons(calls_to(desk, user)[-1])[label]
    token = desk.line.issue_reply_token(user)
    await desk.service.post_events(ev.postback(user, data, token, desk.ms()))
    await desk.service.settle()


async def alert_kinds(desk: ApiDesk, user: str) -> list[str]:
    conversation_id = await desk.conversation_id(user)
    return [a.kind for a in await desk.db.read(alerts.for_conversation, conversation_id)]


async def state(desk: ApiDesk, user: str) -> tuple[str, bool]:
    conversation_id = await desk.conversation_id(user)
    row = await desk.db.read(
        lambda c: c.execute(
            "SELECT status, urgent FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
    )
    return row[0], bool(row[1])


async def check_in(desk: ApiDesk, user: str) -> list[str]:
    """Write the uncertain message; the check-in comes back through the reply token."""
    before = len(calls_to(desk, user))
    await desk.send(user, POSSIBLE)
    calls = calls_to(desk, user)
    assert len(calls) == before + 1, "one answer"
    assert calls[-1].endpoint == "reply", "through the reply token, at once"
    return texts(calls[-1])


async def test_an_uncertain_message_mid_flow_gets_the_check_in_not_the_next_question(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        stream = await boss.session.get(desk.service.url + "/api/v1/events")
        user = await start_family_flow(desk)

        said = await check_in(desk, user)

        assert said == [
            "とてもつらい気持ちでいらっしゃるのですね。書いてくださって、ありがとうございます。\n"
            "いつでも電話で話せる相談先もあります。\n"
            "・よりそいホットライン　0120-279-338（24時間）\n"
            "命の危険があるときは、すぐに119（救急）に電話してください。",
            "いま、命の危険を感じていますか？",
        ]
        assert list(buttons(calls_to(desk, user)[-1])) == ANSWERS
        assert await state(desk, user) == ("bot", False), "asked, not yet handed over"
        conversation_id = await desk.conversation_id(user)
        await read_until(
            stream,
            lambda kind, data: (
                kind == "alert_raised" and data["conversation_id"] == conversation_id
            ),
        )
        _, listed = await boss.get("/api/v1/alerts")
        assert [a["kind"] for a in listed["alerts"]] == ["possible_crisis"]


async def test_yes_tapped_gets_the_full_answer_and_an_urgent_case(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        await desk.add_staff("sato", display="佐藤")
        user = await start_family_flow(desk)
        await check_in(desk, user)
        stream = await boss.session.get(desk.service.url + "/api/v1/events")

        await tap(desk, user, "はい")

        answer = calls_to(desk, user)[-1]
        assert answer.endpoint == "reply"
        said = texts(answer)
        assert len(said) == 3 and "つらい気持ち" in said[0]
        assert YORISOI in said[1] and "119" in said[1]
        assert "相談員にも、すぐに伝えました" in said[2]
        assert not buttons(answer), "no intake question after it"
        status, urgent = await state(desk, user)
        assert urgent and status in ("assigned", "queued")
        conversation_id = await desk.conversation_id(user)
        seen = await read_until(
            stream,
            lambda kind, data: (
                kind == "danger_detected" and data["conversation_id"] == conversation_id
            ),
        )
        assert seen[-1][1]["level"] == "crisis"
        assert "danger_crisis" in await alert_kinds(desk, user)
        _, queue = await boss.get("/api/v1/conversations?queue=waiting")
        assert queue["conversations"][0]["id"] == conversation_id, "first in line"


async def test_yes_typed_after_a_restart_gets_the_full_answer(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("kimura", role="supervisor")
        user = await start_family_flow(desk)
        await check_in(desk, user)
    # A new process on the same database: the open question is in the database, not memory.
    async with ApiDesk.open(tmp_path) as desk:
        await desk.send(user, "はい。")
        said = texts(calls_to(desk, user)[-1])
        assert len(said) == 3 and YORISOI in said[1]
        assert (await state(desk, user))[1] is True
        assert await alert_kinds(desk, user) == ["possible_crisis", "danger_crisis"]


async def test_no_gets_a_warm_word_and_the_flow_asks_its_question_again(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("kimura", role="supervisor")
        user = await start_family_flow(desk)
        question = calls_to(desk, user)[-1]
        await check_in(desk, user)

        await tap(desk, user, "いいえ")

        answer = calls_to(desk, user)[-1]
        said = texts(answer)
        assert answer.endpoint == "reply"
        assert said[0] == (
            "答えてくださって、ありがとうございます。つらいときは、またここに書いてください。"
            "上の電話の相談先にも、いつでも電話できます。"
        )
        assert said[1:] == texts(question)[-1:], "the intake question, as it was asked"
        assert buttons(answer) == buttons(question), "with its buttons"
        assert await state(desk, user) == ("bot", False)
        assert await alert_kinds(desk, user) == ["possible_crisis"], "no second alert"
        # The question was not lost: its buttons still answer it and the flow goes on.
        first_choice = next(iter(buttons(question)))
        await tap(desk, user, first_choice)
        assert texts(calls_to(desk, user)[-1]) != said[1:], "the flow moved on"
        kinds = [
            m.kind
            for m in await desk.db.read(messages.for_conversation, await desk.conversation_id(user))
        ]
        assert "safety" not in kinds


async def test_rather_not_say_typed_is_respected(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        user = await start_family_flow(desk)
        question = texts(calls_to(desk, user)[-1])[-1]
        await check_in(desk, user)
        await desk.send(user, "答えたくない")
        said = texts(calls_to(desk, user)[-1])
        assert said[0].startswith("わかりました。答えなくても大丈夫です。")
        assert said[1] == question
        assert await state(desk, user) == ("bot", False)


AGE_QUESTION = "ご本人は、いま何歳くらいですか？"


async def flow_state(desk: ApiDesk, user: str) -> str | None:
    conversation_id = await desk.conversation_id(user)
    found = await desk.db.read(conversations.get, conversation_id)
    return found.flow_state


@pytest.mark.parametrize("unsure", ["わからない", "たぶん", "少し", "ちょっと怖いかも", "maybe"])
async def test_an_unsure_reply_is_a_yes_never_an_answer_to_the_intake(tmp_path, unsure):
    # Someone not sure their life is safe: the full answer and a person, on the safe side.
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("kimura", role="supervisor")
        user = await start_family_flow(desk)
        await check_in(desk, user)
        before = await flow_state(desk, user)

        await desk.send(user, unsure)

        said = texts(calls_to(desk, user)[-1])
        assert len(said) == 3 and YORISOI in said[1], said
        assert AGE_QUESTION not in desk.line.delivered_texts(user), "the flow did not step"
        assert await flow_state(desk, user) == before, "not stored as an intake answer"
        status, urgent = await state(desk, user)
        assert urgent and status in ("assigned", "queued")
        assert "danger_crisis" in await alert_kinds(desk, user)


@pytest.mark.parametrize("other", ["母です", "いや"])
async def test_any_other_reply_keeps_the_intake_still_and_hands_over(tmp_path, other):
    # Neither yes nor no (「いや」 may mean 嫌: not a 「いいえ」): the bot cannot tell whether
    # they are safe, so it asks nothing more and a person takes the conversation.
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato", display="佐藤")
        user = await start_family_flow(desk)
        await check_in(desk, user)
        before = await flow_state(desk, user)

        await desk.send(user, other)

        said = texts(calls_to(desk, user)[-1])
        assert said[0].startswith("書いてくださって、ありがとうございます。相談員にも、このことを")
        assert any("佐藤" in text for text in said[1:]), said
        assert not buttons(calls_to(desk, user)[-1]), "no intake question"
        assert AGE_QUESTION not in desk.line.delivered_texts(user)
        assert await flow_state(desk, user) == before, "not stored as an intake answer"
        assert await state(desk, user) == ("assigned", False), "a person, not an alarm"
        assert await alert_kinds(desk, user) == ["possible_crisis"]
        await desk.send(user, "はい")  # the check-in was answered: no longer a 「はい」 to it
        assert (await state(desk, user))[1] is False


async def test_a_check_ins_buttons_answer_it_once_and_no_never_takes_back_yes(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("kimura", role="supervisor")
        user = await start_family_flow(desk)
        await check_in(desk, user)
        asked = buttons(calls_to(desk, user)[-1])

        async def press(label: str) -> None:
            # The same buttons each time, as a client scrolling back up would tap them.
            token = desk.line.issue_reply_token(user)
            await desk.service.post_events(ev.postback(user, asked[label], token, desk.ms()))
            await desk.service.settle()

        await press("はい")
        assert len(texts(calls_to(desk, user)[-1])) == 3
        alerted = await alert_kinds(desk, user)
        sent = len(desk.line.delivered_texts(user))

        await press("いいえ")
        await press("はい")

        # Both taps change nothing; the person waiting for kimura only hears the usual
        # acknowledgement, the one any message to a human-owned conversation gets.
        later = desk.line.delivered_texts(user)[sent:]
        assert len(later) <= 2, later
        assert all(text.startswith("メッセージを受け取りました。") for text in later), later
        assert (await state(desk, user))[1] is True, "the urgency stays"
        assert await alert_kinds(desk, user) == alerted
        kinds = [
            m.kind
            for m in await desk.db.read(messages.for_conversation, await desk.conversation_id(user))
        ]
        assert kinds.count("safety") == 3 and "safety_after_checkin" not in kinds


async def test_weak_signals_in_a_row_make_a_strong_one_even_after_a_no(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("kimura", role="supervisor")
        user = await start_family_flow(desk)
        await check_in(desk, user)
        await tap(desk, user, "いいえ")
        await desk.move(timedelta(minutes=20))

        await desk.send(user, POSSIBLE)

        said = texts(calls_to(desk, user)[-1])
        assert len(said) == 3 and YORISOI in said[1], "the full answer, not a second check-in"
        assert (await state(desk, user))[1] is True
        assert await alert_kinds(desk, user) == ["possible_crisis", "danger_crisis"]


async def test_a_second_uncertain_message_while_asked_gets_the_full_answer(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        user = await start_family_flow(desk)
        await check_in(desk, user)
        await desk.send(user, POSSIBLE)
        said = texts(calls_to(desk, user)[-1])
        assert len(said) == 3 and YORISOI in said[1]
        assert (await state(desk, user))[1] is True


async def test_with_a_counselor_the_check_in_says_who_answers_and_yes_alerts_them(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        user = await desk.ask_for_a_person()
        await desk.move(timedelta(minutes=1))
        said = await check_in(desk, user)
        assert said[-1] == "いま、命の危険を感じていますか？"
        # The client waits for 佐藤: who answers, and when, as any acknowledgement says it.
        assert len(said) == 3 and "担当の佐藤" in said[1], said
        raised = await desk.db.read(alerts.for_conversation, await desk.conversation_id(user))
        assert [(a.kind, a.staff_id) for a in raised] == [("possible_crisis", sato.id)]

        await tap(desk, user, "いいえ")
        said = texts(calls_to(desk, user)[-1])
        assert said == [
            "答えてくださって、ありがとうございます。つらいときは、またここに書いてください。"
            "上の電話の相談先にも、いつでも電話できます。"
        ], "said once already: not again"
        assert await state(desk, user) == ("assigned", False)

        await desk.move(timedelta(hours=2))  # past full_answer_every: a fresh check-in
        await check_in(desk, user)
        await desk.send(user, "はい")
        said = texts(calls_to(desk, user)[-1])
        assert len(said) == 3 and YORISOI in said[1]
        assert await state(desk, user) == ("assigned", True)
        kinds = await alert_kinds(desk, user)
        assert [k for k in kinds if k != "remind" and k != "escalate"] == [
            "possible_crisis",
            "possible_crisis",
            "danger_crisis",
        ]


@pytest.mark.parametrize("answer", ["いいえ", "はい"])
async def test_the_answer_to_the_check_in_keeps_the_counselors_reminder_on_time(tmp_path, answer):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages", {"text": "佐藤です。"}
        )
        assert status in (200, 201, 202)
        await desk.service.settle()
        await desk.move(timedelta(hours=3))  # the answered burst is over: nothing pending
        await check_in(desk, user)  # T: the client waits from now
        await desk.move(timedelta(minutes=12))
        await tap(desk, user, answer)  # T+12: not a new wait
        await desk.move(timedelta(minutes=4))  # T+16: past the reminder counted from T
        assert "remind" in await alert_kinds(desk, user), "the reminder was not pushed later"


async def test_after_hours_the_check_in_names_only_lines_open_day_and_night(tmp_path):
    async with ApiDesk.open(tmp_path, start=NIGHT) as desk:
        user = ev.new_user_id()
        said = await check_in(desk, user)
        assert "0120-279-338（24時間）" in said[0]
        assert "いのちの電話" not in said[0] and "いのちSOS" not in said[0]
        await tap(desk, user, "はい")
        said = texts(calls_to(desk, user)[-1])
        assert calls_to(desk, user)[-1].endpoint == "reply"
        assert "相談員がいない時間です" in said[0]
        assert (await state(desk, user))[1] is True


async def test_english_check_in(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        user = ev.new_user_id()
        await desk.send(user, "English")
        await desk.send(user, POSSIBLE)
        said = texts(calls_to(desk, user)[-1])
        assert said[-1] == "Do you feel your life is in danger right now?"
        assert list(buttons(calls_to(desk, user)[-1])) == ["Yes", "No", "Rather not say"]
        await desk.send(user, "no")
        assert texts(calls_to(desk, user)[-1])[0].startswith("Thank you for answering.")


async def test_on_the_web_chat_the_check_in_has_buttons_and_yes_hands_over(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await desk.add_staff("sato", display="佐藤")
        await visitor.start()
        await visitor.choose("家族のこと")
        status, _ = await visitor.say(POSSIBLE)
        assert status == 202
        assert (await visitor.texts())[-1] == "いま、命の危険を感じていますか？"
        assert [b["label"] for b in await visitor.buttons()] == ANSWERS
        status, _ = await visitor.choose("はい")
        assert status == 202
        shown = await visitor.texts()
        assert any("0120-279-338" in text for text in shown[-3:]), shown[-3:]
        row = await desk.db.read(
            lambda c: c.execute(
                "SELECT v.urgent, v.status FROM conversations v JOIN contacts c"
                " ON c.id = v.contact_id WHERE c.channel = 'web'"
            ).fetchone()
        )
        assert row[0] == 1 and row[1] != "bot"


async def test_unanswered_the_check_in_still_reminds_the_counselor(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        sato = await desk.sign_in(sato_id)
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages", {"text": "佐藤です。"}
        )
        assert status in (200, 201, 202)
        await desk.service.settle()
        await desk.move(timedelta(hours=3))  # the answered burst is over: nothing pending
        await check_in(desk, user)
        await desk.move(timedelta(minutes=16))
        assert "remind" in await alert_kinds(desk, user), "nobody is left waiting"


async def test_a_counselor_writing_after_the_check_in_closes_it(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        await check_in(desk, user)
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            {"text": "佐藤です。今日はごはんを食べられましたか？"},
        )
        assert status in (200, 201, 202)
        await desk.service.settle()
        await desk.send(user, "はい")  # an answer to the counselor, not to the check-in
        assert (await state(desk, user))[1] is False
        assert "danger_crisis" not in await alert_kinds(desk, user)
