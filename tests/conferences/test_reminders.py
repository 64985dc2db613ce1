"""An action item's reminders as time moves in the real service: `remind_before` ahead of
the due date, on it, and once when it is overdue, each to the right person (the owner, or
the key worker for an agency's item) exactly once, as a live alert; none for a done item."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import keys
from bot.conferences.records import ConferenceInput, ItemInput
from bot.runtime.events import Event, EventKind
from storage import alerts, conferences
from storage.read_side import Viewer
from storage.read_side import alerts as alerts_for
from storage.roles import Role
from tests.console.api_desk import ApiDesk, jst

CONFIG_2_DAYS = '\n[conferences]\nremind_before = "2d"\n'


async def _household(desk: ApiDesk, staff_id: int) -> int:
    user = await desk.ask_for_a_person()
    conversation_id = await desk.conversation_id(user)
    return (await desk.app[keys.DESK].create_household(conversation_id, staff_id)).id


def _items(owner: int) -> tuple[ItemInput, ...]:
    return (
        ItemInput("受診先の候補を調べる", date(2026, 12, 1), owner_staff_id=owner),
        ItemInput(
            "家計の状況を確認する",
            date(2026, 12, 1),
            owner_agency="福祉事務所",
            owner_person="田中",
        ),
        ItemInput("学校に連絡する", date(2026, 12, 1), owner_staff_id=owner),
    )


async def _kinds(desk: ApiDesk, item_id: int) -> list[tuple[int | None, str]]:
    found = await desk.db.read(alerts.for_action_item, item_id)
    return [(a.staff_id, a.kind) for a in found]


async def test_reminders_before_on_and_after_the_due_date_reach_the_right_person_once(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")  # the key worker
        kato = await desk.add_staff("kato")  # owns two items
        household_id = await _household(desk, sato.id)
        heard: list[Event] = []
        desk.app[keys.EVENTS].subscribe(heard.append)
        recorded = await desk.app[keys.DESK].record_conference(
            household_id,
            sato.id,
            ConferenceInput(
                held_on=date(2026, 11, 25),
                lead_agency="保健センター",
                key_worker_id=sato.id,
                action_items=_items(kato.id),
            ),
        )
        staff_item, agency_item, done_item = recorded.items
        due, overdue = "action_item_due", "action_item_overdue"

        # Three days before, at 09:00 in Tokyo (the default remind_before); not a minute sooner.
        desk.clock.set(jst(2026, 11, 28, 8, 59))
        await desk.move(timedelta(0))
        assert await _kinds(desk, staff_item.id) == []
        await desk.move(timedelta(minutes=1))
        assert await _kinds(desk, staff_item.id) == [(kato.id, due)]
        assert await _kinds(desk, agency_item.id) == [(sato.id, due)]
        # Live, as events with no conversation (the queued client's own alerts aside).
        told = [
            e.staff_id
            for e in heard
            if e.kind == EventKind.ALERT_RAISED and e.conversation_id is None
        ]
        assert sorted(told) == sorted([kato.id, sato.id, kato.id])

        # A done item is reminded no more; the others are, once each, on the due date.
        await desk.app[keys.DESK].finish_action_item(done_item.id, kato.id, "連絡した")
        await desk.move(timedelta(days=1))
        await desk.move(timedelta(days=2))  # 12-01 09:00
        await desk.move(timedelta(hours=3))
        assert await _kinds(desk, staff_item.id) == [(kato.id, due), (kato.id, due)]
        assert await _kinds(desk, agency_item.id) == [(sato.id, due), (sato.id, due)]

        # The day after: overdue, once, however long time goes on.
        await desk.move(timedelta(days=1))
        for _ in range(3):
            await desk.move(timedelta(days=2))
        assert await _kinds(desk, staff_item.id) == [(kato.id, k) for k in (due, due, overdue)]
        assert await _kinds(desk, agency_item.id) == [(sato.id, k) for k in (due, due, overdue)]
        assert await _kinds(desk, done_item.id) == [(kato.id, due)]
        statuses = await desk.db.read(conferences.reminders_of, done_item.id)
        assert [(kind, status) for kind, status, _ in statuses] == [
            ("before", "fired"),
            ("due", "cancelled"),
            ("overdue", "cancelled"),
        ]

        # The owner reads them in the alert bar and may dismiss them; nobody else has them.
        async def about_items(viewer: Viewer) -> list:
            found = await desk.db.read(alerts_for, viewer)
            return [a for a in found if a.action_item_id is not None]

        mine = await about_items(Viewer(kato.id, Role.COUNSELOR, "welfare"))
        assert {a.action_item_id for a in mine} == {staff_item.id, done_item.id}
        supervisor = await desk.add_staff("boss", role="supervisor")
        assert await about_items(Viewer(supervisor.id, Role.SUPERVISOR, None)) == []
        viewer = Viewer(kato.id, Role.COUNSELOR, "welfare")
        assert await desk.app[keys.DESK].office.see_alerts(viewer, [mine[0].id])
        other = Viewer(sato.id, Role.COUNSELOR, "welfare")
        assert not await desk.app[keys.DESK].office.see_alerts(other, [mine[1].id])


async def test_remind_before_follows_the_configuration_and_late_items_are_overdue_at_once(
    tmp_path,
):
    from tests.console.api_desk import CONFIG

    async with ApiDesk.open(tmp_path, config=CONFIG + CONFIG_2_DAYS) as desk:
        sato = await desk.add_staff("sato")
        household_id = await _household(desk, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household_id,
            sato.id,
            ConferenceInput(
                held_on=date(2026, 11, 20),  # recorded five days later
                lead_agency="保健センター",
                key_worker_id=sato.id,
                action_items=(
                    ItemInput("調べる", date(2026, 12, 1), owner_staff_id=sato.id),
                    ItemInput("連絡する", date(2026, 11, 24), owner_staff_id=sato.id),
                ),
            ),
        )
        later, late = recorded.items
        moments = await desk.db.read(conferences.reminders_of, later.id)
        assert [(kind, at) for kind, _, at in moments] == [
            ("before", jst(2026, 11, 29, 9, 0)),
            ("due", jst(2026, 12, 1, 9, 0)),
            ("overdue", jst(2026, 12, 2, 9, 0)),
        ]
        # Already past its date: no reminder of what was, one overdue alert now.
        await desk.move(timedelta(0))
        assert [k for k, _, _ in await desk.db.read(conferences.reminders_of, late.id)] == [
            "overdue"
        ]
        assert await _kinds(desk, late.id) == [(sato.id, "action_item_overdue")]


async def test_an_inactive_owner_s_reminder_goes_to_the_key_worker(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        kato = await desk.add_staff("kato")
        household_id = await _household(desk, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household_id,
            sato.id,
            ConferenceInput(
                held_on=date(2026, 11, 25),
                lead_agency="保健センター",
                key_worker_id=sato.id,
                action_items=(ItemInput("調べる", date(2026, 12, 1), owner_staff_id=kato.id),),
            ),
        )
        await desk.db.write(
            lambda c: c.execute("UPDATE staff SET active = 0 WHERE id = ?", (kato.id,))
        )
        desk.clock.set(jst(2026, 12, 1, 9, 0))
        await desk.move(timedelta(0))
        assert await _kinds(desk, recorded.items[0].id) == [
            (sato.id, "action_item_due"),
            (sato.id, "action_item_due"),
        ]
