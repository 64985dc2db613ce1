"""The desk's case conference actions against the real service and a real SQLite file: a
conference recorded with its items, what the read side gives back, each refusal, done and
dropped items, the audit of a shared summary, and who may see what."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.app import keys
from bot.conferences.records import ConferenceInput, ItemInput, conference_from_api
from bot.conversation.refusal import Refusal
from storage import conferences
from storage.read_side import Viewer
from storage.read_side.conferences import (
    action_items,
    conference_detail,
    conferences_of_household,
    overdue_count,
)
from storage.roles import Role
from tests.console.api_desk import ApiDesk, Staff
from tests.stored_texts import all_messages

# ApiDesk's clock starts on Wednesday 2026-11-25, 10:00 in Tokyo.
TODAY = date(2026, 11, 25)


async def _household(desk: ApiDesk, staff_id: int) -> int:
    user = await desk.ask_for_a_person()
    conversation_id = await desk.conversation_id(user)
    household = await desk.app[keys.DESK].create_household(conversation_id, staff_id)
    return household.id


def _meeting(key_worker: int, owner: int) -> ConferenceInput:
    return ConferenceInput(
        held_on=TODAY,
        lead_agency="保健センター",
        key_worker_id=key_worker,
        agencies=("保健センター", "福祉事務所", "社会福祉協議会", "保健センター"),
        decisions="月に一度、家庭訪問の可否を相談する",
        next_review_on=date(2027, 2, 25),
        action_items=(
            ItemInput("受診先の候補を調べる", date(2026, 12, 1), owner_staff_id=owner),
            ItemInput(
                "家計の状況を確認する",
                date(2026, 12, 10),
                owner_agency="福祉事務所",
                owner_person="田中",
            ),
        ),
    )


def _viewer(member: Staff, role: Role = Role.COUNSELOR, org: str | None = "welfare") -> Viewer:
    return Viewer(member.id, role, org)


async def test_a_conference_is_recorded_with_its_items_and_read_back_in_the_api_shape(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        kato = await desk.add_staff("kato")
        household_id = await _household(desk, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household_id, sato.id, _meeting(sato.id, kato.id)
        )
        view = await desk.db.read(conference_detail, recorded.conference.id, _viewer(sato), TODAY)
        assert view is not None
        shape = view.to_api()
        first, second = shape.pop("action_items")
        assert shape == {
            "id": recorded.conference.id,
            "household_id": household_id,
            "held_on": "2026-11-25",
            "agencies": ["保健センター", "福祉事務所", "社会福祉協議会"],  # the repeat once
            "lead_agency": "保健センター",
            "key_worker_id": sato.id,
            "decisions": "月に一度、家庭訪問の可否を相談する",
            "next_review_on": "2027-02-25",
        }
        assert first["what"] == "受診先の候補を調べる" and first["owner"] == {"staff_id": kato.id}
        assert first["due_on"] == "2026-12-01" and first["state"] == "open"
        assert second["owner"] == {"agency": "福祉事務所", "person": "田中"}
        assert view.household_label.startswith("H-") and view.key_worker.name == "sato"

        listed = await desk.db.read(conferences_of_household, household_id, _viewer(sato), TODAY)
        assert listed is not None and [c.id for c in listed] == [recorded.conference.id]

        # The API's body reads into the same input.
        body = {
            "held_on": "2026-11-25",
            "agencies": ["保健センター"],
            "lead_agency": "保健センター",
            "key_worker_id": sato.id,
            "decisions": "",
            "next_review_on": None,
            "action_items": [
                {"what": "連絡", "owner": {"staff_id": kato.id}, "due_on": "2026-12-01"},
                {
                    "what": "訪問",
                    "owner": {"agency": "学校", "person": "鈴木"},
                    "due_on": "2026-12-02",
                },
            ],
        }
        given = conference_from_api(body)
        assert given.key_worker_id == sato.id and given.action_items[1].owner_person == "鈴木"
        with pytest.raises(Refusal) as refused:
            conference_from_api({**body, "held_on": "25/11/2026"})
        assert refused.value.key == "conference_bad_input"

        audited = await desk.db.read(
            lambda c: c.execute(
                "SELECT staff_id, detail FROM audit_log WHERE action = 'record_conference'"
            ).fetchall()
        )
        assert len(audited) == 1 and audited[0][0] == sato.id
        assert json.loads(audited[0][1])["conference_id"] == recorded.conference.id


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"lead_agency": "  "}, "conference_lead_agency_missing"),
        ({"key_worker_id": None}, "conference_key_worker_missing"),
        ({"key_worker_id": 9999}, "conference_key_worker_unknown"),
        ({"held_on": date(2026, 11, 26)}, "conference_held_on_wrong"),
        ({"held_on": date(2025, 11, 1)}, "conference_held_on_wrong"),
        ({"next_review_on": date(2026, 11, 25)}, "conference_review_wrong"),
        ({"decisions": "あ" * 1001}, "conference_text_too_long"),
        (
            {"items": [ItemInput(" ", date(2026, 12, 1), owner_staff_id=-1)]},
            "action_item_what_missing",
        ),
        ({"items": [ItemInput("調べる", date(2026, 12, 1))]}, "action_item_owner_missing"),
        (
            {"items": [ItemInput("調べる", date(2026, 12, 1), owner_agency="学校")]},
            "action_item_owner_missing",
        ),
        (
            {"items": [ItemInput("調べる", date(2026, 12, 1), owner_staff_id=9999)]},
            "action_item_owner_unknown",
        ),
        (
            {"items": [ItemInput("調べる", date(2026, 11, 24), owner_staff_id=0)]},
            "action_item_due_wrong",
        ),
    ],
)
async def test_a_conference_that_is_not_whole_is_refused_and_nothing_is_kept(tmp_path, change, key):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        household_id = await _household(desk, sato.id)
        items = change.pop("items", None)
        if items is not None:
            items = [
                replace(i, owner_staff_id=sato.id) if i.owner_staff_id in (0, -1) else i
                for i in items
            ]
            change["action_items"] = tuple(items)
        given = replace(_meeting(sato.id, sato.id), **change)
        with pytest.raises(Refusal) as refused:
            await desk.app[keys.DESK].record_conference(household_id, sato.id, given)
        assert refused.value.key == key
        assert await desk.db.read(conferences.of_household, household_id) == []


async def test_done_and_dropped_items_leave_the_open_queue_with_their_result(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        kato = await desk.add_staff("kato")
        household_id = await _household(desk, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household_id, sato.id, _meeting(sato.id, kato.id)
        )
        mine, agencies = recorded.items
        desk_ = desk.app[keys.DESK]
        with pytest.raises(Refusal) as refused:
            await desk_.finish_action_item(mine.id, kato.id, "  ")
        assert refused.value.key == "action_item_result_missing"
        await desk_.finish_action_item(mine.id, kato.id, "候補を2か所に絞った")
        with pytest.raises(Refusal) as refused:
            await desk_.finish_action_item(mine.id, kato.id, "again")
        assert refused.value.key == "action_item_not_open"
        await desk_.drop_action_item(agencies.id, sato.id)
        with pytest.raises(Refusal) as refused:
            await desk_.drop_action_item(agencies.id + 100, sato.id)
        assert refused.value.key == "no_action_item"

        done = await desk.db.read(action_items, _viewer(kato), "done", True, TODAY)
        assert [(q.item.id, q.item.result) for q in done] == [(mine.id, "候補を2か所に絞った")]
        assert await desk.db.read(action_items, _viewer(sato), "open", False, TODAY) == []
        for item in recorded.items:
            states = {s for _, s, _ in await desk.db.read(conferences.reminders_of, item.id)}
            assert states == {"cancelled"}
        actions = await desk.db.read(
            lambda c: [r[0] for r in c.execute("SELECT action FROM audit_log").fetchall()]
        )
        assert actions.count("finish_action_item") == 1 and actions.count("drop_action_item") == 1


async def test_a_shared_summary_is_audited_with_to_whom(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        household_id = await _household(desk, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household_id, sato.id, _meeting(sato.id, sato.id)
        )
        conference_id = recorded.conference.id
        desk_ = desk.app[keys.DESK]
        await desk_.record_summary_shared(
            conference_id, sato.id, "福祉事務所 田中さん", True, "pdf"
        )
        with pytest.raises(Refusal) as refused:
            await desk_.record_summary_shared(conference_id, sato.id, " ", False, "print")
        assert refused.value.key == "summary_shared_with_missing"
        with pytest.raises(Refusal) as refused:
            await desk_.record_summary_shared(conference_id, sato.id, "学校", False, "fax")
        assert refused.value.key == "conference_bad_input"
        outsider = await desk.add_staff("mori", org="psych")
        with pytest.raises(Refusal) as refused:
            await desk_.record_summary_shared(conference_id, outsider.id, "学校", False, "print")
        assert refused.value.key == "no_conference"
        details = await desk.db.read(
            lambda c: [
                json.loads(r[0])
                for r in c.execute(
                    "SELECT detail FROM audit_log WHERE action = 'share_conference_summary'"
                ).fetchall()
            ]
        )
        assert details == [
            {
                "household_id": household_id,
                "conference_id": conference_id,
                "shared_with": "福祉事務所 田中さん",
                "results": True,
                "form": "pdf",
            }
        ]


async def test_a_counselor_of_another_organisation_sees_nothing(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        mori = await desk.add_staff("mori", org="psych")
        household_id = await _household(desk, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household_id, sato.id, _meeting(sato.id, sato.id)
        )
        conference_id = recorded.conference.id
        outsider = _viewer(mori, org="psych")
        later = date(2026, 12, 20)  # every item overdue
        assert await desk.db.read(conference_detail, conference_id, outsider, later) is None
        assert await desk.db.read(conferences_of_household, household_id, outsider, later) is None
        for state in ("open", "overdue", "done"):
            assert await desk.db.read(action_items, outsider, state, False, later) == []
        assert await desk.db.read(overdue_count, outsider, later) == 0
        # Nor may they record one on it, or close its items.
        with pytest.raises(Refusal) as refused:
            await desk.app[keys.DESK].record_conference(
                household_id, mori.id, _meeting(mori.id, mori.id)
            )
        assert refused.value.key == "no_household"
        with pytest.raises(Refusal) as refused:
            await desk.app[keys.DESK].drop_action_item(recorded.items[0].id, mori.id)
        assert refused.value.key == "no_action_item"

        # The same views for the welfare counselor and a supervisor of the other organisation.
        for viewer in (_viewer(sato), _viewer(mori, Role.SUPERVISOR, "psych")):
            assert await desk.db.read(conference_detail, conference_id, viewer, later) is not None
            overdue = await desk.db.read(action_items, viewer, "overdue", False, later)
            assert len(overdue) == 2 and all(q.item.overdue for q in overdue)
            assert await desk.db.read(overdue_count, viewer, later) == 2
        # Before the due dates nothing is overdue.
        assert await desk.db.read(overdue_count, _viewer(sato), TODAY) == 0


async def test_an_item_is_in_the_queue_of_whom_it_is_for_even_across_organisations(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        mori = await desk.add_staff("mori", org="psych")
        household_id = await _household(desk, sato.id)
        given = _meeting(sato.id, mori.id)
        await desk.app[keys.DESK].record_conference(household_id, sato.id, given)
        mine = await desk.db.read(action_items, _viewer(mori, org="psych"), "open", True, TODAY)
        assert [q.item.what for q in mine] == ["受診先の候補を調べる"]
        assert mine[0].visible is False  # only this row: the household stays unseen
        # The agency's item is the key worker's.
        keyworker = await desk.db.read(action_items, _viewer(sato), "open", True, TODAY)
        assert [q.item.what for q in keyworker] == ["家計の状況を確認する"]


def test_every_conference_refusal_has_its_sentence_in_both_languages():
    from staff_console.errors import _REFUSAL_STATUS, sentence

    root = Path(__file__).resolve().parents[2] / "bot" / "conferences"
    raised = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # Refusal(message, key), and _staff_or(conn, staff_id, key) that raises it.
            name = getattr(node.func, "id", "") if isinstance(node, ast.Call) else ""
            if name in ("Refusal", "_staff_or"):
                key = node.args[-1]
                if isinstance(key, ast.Constant):
                    raised.add(key.value)
    assert {"conference_lead_agency_missing", "conference_key_worker_unknown"} <= raised
    for key in raised:
        for language in ("ja", "en"):
            assert sentence(key, language, reason="")
    assert _REFUSAL_STATUS["conference_lead_agency_missing"] == 400
    assert _REFUSAL_STATUS["conference_key_worker_missing"] == 400


async def test_what_a_summary_is_built_from_holds_nothing_the_client_wrote(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        marker = "MARKER-7f3a 息子の部屋のこと"
        user = await desk.ask_for_a_person(first=marker)
        conversation_id = await desk.conversation_id(user)
        household = await desk.app[keys.DESK].create_household(conversation_id, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household.id, sato.id, _meeting(sato.id, sato.id)
        )
        await desk.app[keys.DESK].finish_action_item(recorded.items[0].id, sato.id, "結果")
        viewer = _viewer(sato, Role.SUPERVISOR, None)
        view = await desk.db.read(conference_detail, recorded.conference.id, viewer, TODAY)
        queue = await desk.db.read(action_items, viewer, "done", False, TODAY)
        shown = repr(view) + repr(queue) + json.dumps(view.to_api(), ensure_ascii=False)
        assert "MARKER-7f3a" not in shown and user not in shown
        # The marker is in the database, where the transcript keeps it.
        stored = await desk.db.read(all_messages)
        assert any("MARKER-7f3a" in (m.body or "") for m in stored)


def test_a_live_alert_about_an_item_reaches_its_addressee_only():
    from bot.runtime.events import Event, EventKind
    from staff_console.events import _concerns

    event = Event(EventKind.ALERT_RAISED, None, alert_id=1, staff_id=5)
    assert _concerns(event, Viewer(5, Role.COUNSELOR, "welfare"), None)
    assert not _concerns(event, Viewer(6, Role.COUNSELOR, "welfare"), None)
    assert not _concerns(event, Viewer(7, Role.SUPERVISOR, None), None)
