"""Households and retention (storage/retention.py): a household's members are kept while it
is open; once it has been closed for the retention period they go, and the last one's going
takes the household and its invitations with it."""

from __future__ import annotations

from datetime import timedelta

from bot.app import keys
from storage import conversations
from tests.console.api_desk import ApiDesk
from tests.households.test_line_consent import code_sent, membership, son_follows


def table_counts(conn) -> dict[str, int]:
    tables = ("households", "household_members", "invitations", "invitation_offers")
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


async def test_a_household_goes_with_its_last_members_data(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        mother = await desk.ask_for_a_person()
        mother_conversation = await desk.conversation_id(mother)
        made = await desk.app[keys.DESK].invite(mother_conversation, sato.id)
        son = await son_follows(desk)
        await code_sent(desk, son, made.code)
        await code_sent(desk, son, "はい")
        son_conversation = await desk.conversation_id(son)
        # A second, unanswered question waits on an open invitation of the household.
        other = await desk.app[keys.DESK].invite(mother_conversation, sato.id)
        await code_sent(desk, await son_follows(desk), other.code)
        assert await desk.db.read(table_counts) == {
            "households": 1,
            "household_members": 2,
            "invitations": 2,
            "invitation_offers": 1,
        }

        # The mother's conversation is resolved; years later the son still writes and the
        # household is still open: she is kept, for the household's story is one.
        await desk.app[keys.DESK].resolve(mother_conversation, sato.id)
        desk.clock.advance(timedelta(days=4 * 365))
        await desk.send(son, "おひさしぶりです")
        counts = await desk.app[keys.RETENTION].run()
        assert counts["conversations"] == 0 and counts["contacts"] == 0
        assert await desk.db.read(conversations.get, mother_conversation) is not None

        # A supervisor closes the household: from then on its members' time counts. Years
        # later both have gone, and the household with its invitations and the question
        # still waiting on one of them.
        household_id = (await membership(desk, son)).household_id
        assert await desk.app[keys.DESK].close_household(household_id, sato.id)
        assert not await desk.app[keys.DESK].close_household(household_id, sato.id)
        await desk.app[keys.DESK].resolve(son_conversation, sato.id)
        desk.clock.advance(timedelta(days=2 * 365))
        counts = await desk.app[keys.RETENTION].run()
        assert counts["conversations"] == 0, "closed for less than the retention period"
        desk.clock.advance(timedelta(days=2 * 365))
        counts = await desk.app[keys.RETENTION].run()
        assert counts["conversations"] == 2 and counts["contacts"] == 2
        assert counts["household_members"] == 2 and counts["households"] == 1
        assert counts["invitations"] == 2 and counts["invitation_offers"] == 1
        assert await desk.db.read(table_counts) == dict.fromkeys(
            ("households", "household_members", "invitations", "invitation_offers"), 0
        )
