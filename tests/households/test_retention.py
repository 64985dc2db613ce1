"""Households go with their members' data (storage/retention.py): a deleted contact leaves
its household; the last one's going takes the household and its invitations with it."""

from __future__ import annotations

from datetime import timedelta

from bot.app import keys
from storage import households
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

        # The mother's conversation is resolved and, years later, deleted with her contact;
        # the son still writes. The household keeps him, and the invitation its household.
        await desk.app[keys.DESK].resolve(mother_conversation, sato.id)
        desk.clock.advance(timedelta(days=4 * 365))
        await desk.send(son, "おひさしぶりです")
        counts = await desk.app[keys.RETENTION].run()
        assert counts["household_members"] == 1 and counts["households"] == 0
        assert await membership(desk, son) is not None
        kept = await desk.db.read(households.get_invitation, made.id)
        assert kept is not None and kept.conversation_id is None

        # His goes too: nothing of the household is left.
        await desk.app[keys.DESK].resolve(son_conversation, sato.id)
        desk.clock.advance(timedelta(days=4 * 365))
        counts = await desk.app[keys.RETENTION].run()
        assert counts["households"] == 1 and counts["invitations"] == 2
        assert await desk.db.read(table_counts) == dict.fromkeys(
            ("households", "household_members", "invitations", "invitation_offers"), 0
        )
