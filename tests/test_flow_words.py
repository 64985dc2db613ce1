"""The words a newcomer reads, through /webhooks/line and the fake LINE API."""

from __future__ import annotations

from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.service import RunningService, settings_for
from tests.test_flows_e2e import buttons


def texts(call) -> list[str]:
    return [message["text"] for message in call.body["messages"]]


async def send(service: RunningService, line: FakeLine, event: dict) -> list[str]:
    """Post one event and return the texts of the one call the bot answers it with."""
    before = len(line.delivered)
    await service.post_events(event)
    await line.wait_for(lambda fake: len(fake.delivered) == before + 1)
    return texts(line.delivered[-1])


async def tap(service: RunningService, line: FakeLine, user: str, label: str) -> list[str]:
    data = buttons(line.delivered[-1])[label]
    return await send(service, line, ev.postback(user, data, line.issue_reply_token(user)))


async def test_a_follow_is_greeted_as_a_follow_and_a_message_as_a_message(service, line):
    follower, writer = ev.new_user_id(), ev.new_user_id()
    greeted = await send(service, line, ev.follow(follower, line.issue_reply_token(follower)))
    assert greeted[0].startswith("友だち追加ありがとうございます。ひきこもり相談窓口です。")
    assert not any("メッセージありがとうございます" in text for text in greeted)
    answered = await send(
        service, line, ev.text(writer, "こんにちは", line.issue_reply_token(writer))
    )
    assert answered[0].startswith("メッセージありがとうございます。ひきこもり相談窓口です。")


async def test_thanks_right_after_the_end_gets_one_short_answer_and_the_buttons(service, line):
    user = ev.new_user_id()
    await send(service, line, ev.follow(user, line.issue_reply_token(user)))
    await tap(service, line, user, "まだ決めていない")
    goodbye = await tap(service, line, user, "今はここまで")
    assert "読んでくださって、ありがとうございます。" in goodbye[-1]

    again = await send(
        service, line, ev.text(user, "ありがとうございました", line.issue_reply_token(user))
    )
    assert again == [
        "また書いてくださって、ありがとうございます。\n"
        "続けて相談するときは、下から選ぶか、そのまま書いてください。"
    ]
    assert list(buttons(line.delivered[-1])) == [
        "自分のこと",
        "家族のこと",
        "支援者・関係機関として",
        "まだ決めていない",
        "答えたくない",
        "English",
    ]
    family = await tap(service, line, user, "家族のこと")
    assert "ご本人から見てどなたにあたりますか" in family[-1]


async def english_hours(service: RunningService, line: FakeLine) -> list[str]:
    """What an English reader sees for the opening hours, from their first message on."""
    user = ev.new_user_id()
    seen = await send(service, line, ev.follow(user, line.issue_reply_token(user)))
    seen += await send(service, line, ev.text(user, "English", line.issue_reply_token(user)))
    seen += await tap(service, line, user, "Not sure yet")
    seen += await tap(service, line, user, "Opening hours")
    return seen


async def test_english_readers_get_the_configured_english_name(tmp_path, line):
    config = (
        'service_name = "北区ひきこもり相談窓口"\n'
        'service_name_en = "Kita Ward Hikikomori Support"\n'
        'opening_hours = "火〜土 10時〜18時"\n'
        'opening_hours_en = "Tuesday to Saturday, 10:00 to 18:00"\n'
    )
    settings = settings_for(tmp_path / "tobira.db", line, config)
    async with RunningService(settings) as service:
        seen = await english_hours(service, line)
    after_switch = "\n".join(seen[3:])
    assert "Kita Ward Hikikomori Support is open Tuesday to Saturday, 10:00 to 18:00." in (
        after_switch
    )
    assert "北区" not in after_switch and "火〜土" not in after_switch


async def test_english_readers_get_a_shipped_english_name_by_default(service, line):
    seen = await english_hours(service, line)
    assert "Hikikomori consultation service is open on weekdays, 9:00 to 17:00." in "\n".join(seen)
    assert not any("ひきこもり相談窓口" in text for text in seen[3:])


async def test_no_one_is_thanked_for_writing_after_a_button_tap(service, line):
    """Wording by event kind (issue 19): 「書いてくださって」 only after typed words."""
    user = ev.new_user_id()
    await send(service, line, ev.follow(user, line.issue_reply_token(user)))
    self_path = await tap(service, line, user, "自分のこと")
    assert not any("書いてくださって" in text for text in self_path), self_path
    assert "連絡してくださって" in self_path[0]

    other = ev.new_user_id()
    await send(service, line, ev.follow(other, line.issue_reply_token(other)))
    older = buttons(line.delivered[-1])["まだ決めていない"]
    await tap(service, line, other, "まだ決めていない")
    await tap(service, line, other, "今はここまで")
    # Soon after the path ended she taps an older button: she came back, she did not write.
    again = await send(service, line, ev.postback(other, older, line.issue_reply_token(other)))
    assert not any("書いてくださって" in text for text in again), again
    assert again[0].startswith("また来てくださって")
