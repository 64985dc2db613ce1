"""The promise keeps to the time of day the client chose (issue 19): a mother who chose
「夕方から」 is not promised a reply in the morning. The real app, the web chat's HTTP API."""

from __future__ import annotations

from datetime import timedelta

from tests.console.api_desk import ApiDesk
from tests.web.visitor import MOTHER_TAPS, Visitor


async def through_the_flow_choosing(visitor: Visitor, when: str) -> list[str]:
    """The mother's taps, and `when` for the time of day; what she was told last."""
    taps = [*MOTHER_TAPS, when]
    for _ in range(20):
        offered = [b["label"] for b in await visitor.buttons()]
        if not offered:
            break
        label = next((tap for tap in taps if tap in offered), None)
        if label is None:
            label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
        else:
            taps.remove(label)
        status, _ = await visitor.choose(label)
        assert status == 202
    assert when not in taps, f"the flow never asked for {when!r}"
    return await visitor.texts()


async def test_a_mother_who_chose_the_evening_is_promised_the_evening(tmp_path):
    # Wednesday 10:00: the usual promise would be 12:00 today.
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as mother:
        await desk.add_staff("sato", display="佐藤")
        await mother.start()
        told = await through_the_flow_choosing(mother, "夕方から")
        announcement = told[-1]
        assert announcement.startswith("担当は佐藤です。")
        assert "今日（11月25日）16時以降にお返事します" in announcement, announcement
        assert "12時" not in announcement

        desk.clock.advance(timedelta(seconds=20))
        await mother.say("よろしくお願いします")
        ack = (await mother.texts())[-1]
        assert "佐藤" in ack and "今日（11月25日）16時以降" in ack and "12時" not in ack

        await desk.move(timedelta(minutes=31))  # the one gentle follow-up
        followup = (await mother.texts())[-1]
        assert "届いています" in followup and "今日（11月25日）16時以降" in followup


async def test_any_time_keeps_the_usual_promise(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as mother:
        await desk.add_staff("sato", display="佐藤")
        await mother.start()
        told = await through_the_flow_choosing(mother, "いつでも")
        assert told[-1] == "担当は佐藤です。今日（11月25日）の12時までにお返事します。"
