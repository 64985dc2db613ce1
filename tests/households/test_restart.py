"""The consent question survives a restart: it waits in the database, not in memory."""

from __future__ import annotations

from bot.app import keys
from bot.channels.web import addresses
from bot.households import codes
from bot.runtime.clock import ManualClock
from storage import contacts, conversations, households, staff
from tests import line_events as ev
from tests.console.api_desk import CONFIG, WEDNESDAY_10
from tests.fakeline import FakeLine
from tests.service import RunningService, settings_for
from tests.web.visitor import Visitor


async def _send(service: RunningService, line: FakeLine, user: str, text: str, ms: int) -> None:
    token = line.issue_reply_token(user)
    assert await service.post_events(ev.text(user, text, token, ms)) == 200
    await service.settle()


async def test_a_yes_after_a_restart_still_joins(tmp_path):
    clock = ManualClock(WEDNESDAY_10)
    ms = int(WEDNESDAY_10.timestamp() * 1000)
    async with FakeLine(access_token="test-token") as line:
        settings = settings_for(tmp_path / "tobira.db", line, CONFIG)
        async with RunningService(settings, clock) as service:
            sato = await service.db.write(
                lambda c: staff.add(
                    c,
                    login="sato",
                    name="佐藤",
                    display_name="佐藤",
                    org_id="welfare",
                    role="counselor",
                    password_hash=None,
                    at=clock.now(),
                )
            )
            mother, son = ev.new_user_id(), ev.new_user_id()
            await _send(service, line, mother, "人と話したい", ms)
            mother_contact = await service.db.read(contacts.find, "line", mother)
            opened = await service.db.read(conversations.open_for, mother_contact.id)
            made = await service.app[keys.DESK].invite(opened.id, sato)
            await _send(service, line, son, made.code, ms + 1000)
            await line.wait_for(lambda fake: len(fake.delivered_texts(son)) >= 1)
            assert "ご家族からの相談" in line.delivered_texts(son)[-1]

        # A new process: nothing of the question is in memory any more.
        async with RunningService(settings, clock) as service:
            await _send(service, line, son, "はい", ms + 2000)
            son_contact = await service.db.read(contacts.find, "line", son)
            joined = await service.db.read(households.membership, son_contact.id)
            assert joined is not None and joined.household_id == made.household_id
            assert await service.db.read(households.pending_offer, son_contact.id) is None


async def test_the_wrong_code_count_of_an_address_survives_a_restart(tmp_path):
    """Twenty wrong codes from one address, then a restart: the address is still not
    checked, even with a valid code (the key of its hash is kept beside the database)."""
    clock = ManualClock(WEDNESDAY_10)
    ms = int(WEDNESDAY_10.timestamp() * 1000)
    async with FakeLine(access_token="test-token") as line:
        settings = settings_for(tmp_path / "tobira.db", line, CONFIG)
        async with RunningService(settings, clock) as service:
            sato = await service.db.write(
                lambda c: staff.add(
                    c,
                    login="sato",
                    name="佐藤",
                    display_name="佐藤",
                    org_id="welfare",
                    role="counselor",
                    password_hash=None,
                    at=clock.now(),
                )
            )
            mother = ev.new_user_id()
            await _send(service, line, mother, "人と話したい", ms)
            mother_contact = await service.db.read(contacts.find, "line", mother)
            opened = await service.db.read(conversations.open_for, mother_contact.id)
            made = await service.app[keys.DESK].invite(opened.id, sato)
            for _ in range(20):
                async with Visitor(service) as guesser:
                    await guesser.start()
                    await guesser.say(codes.shown(codes.new_code()))

        async with RunningService(settings, clock) as service:
            async with Visitor(service) as late:
                await late.start()
                await late.say(made.code)
                assert not any("ご家族からの相談" in text for text in await late.texts())
            invitation = await service.db.read(households.get_invitation, made.id)
            assert invitation.state == "open"


def test_an_ipv6_address_counts_by_its_64_prefix():
    same = addresses.subscriber("2001:db8:1:2:aaaa::1"), addresses.subscriber("2001:db8:1:2::ff")
    assert same[0] == same[1] == "2001:db8:1:2::/64"
    assert addresses.subscriber("2001:db8:1:3::1") != same[0]
    assert addresses.subscriber("::ffff:192.0.2.7") == "192.0.2.7"
    assert addresses.subscriber("192.0.2.7") == "192.0.2.7"
    assert addresses.subscriber("unknown") == "unknown"
    key = bytes(32)
    assert addresses.address_hash(key, "2001:db8:1:2::1") == addresses.address_hash(
        key, "2001:db8:1:2:ffff::9"
    )
