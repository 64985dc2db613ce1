"""Issue 22's "Done means": known traffic through the real LINE webhook and the web chat,
then every figure read back through the API exactly, for a fiscal year and for a month.

The traffic (the clock moved by the test; Tokyo times):
- Wed 2026-11-25 10:00 (open): a mother (LINE, the family flow, handed off), a father
  (LINE, family), a grandmother (web chat, family); a man for himself (LINE) and a woman
  for herself (web chat); a supporter (LINE).
- The mother's counselor invites her son; he follows, sends the code and says はい:
  a `self` member joining a household that began with family (the bridge).
- Sat 2026-11-28 20:00 (closed): someone writes and asks for a person (writer unknown).
- Two answers at known times: the mother's 30 minutes after her handoff; the Saturday
  writer's on Mon 2026-11-30 10:00 (38 hours, of which 1 open hour: welfare opens at 09:00).
- Thu 2026-12-03: a conference on the household with two agencies; one item done by its due
  date, one left open past it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from bot.app import keys
from staff_console.errors import sentence
from storage import facts
from storage.read_side import audit_entries
from tests import line_events as ev
from tests.console.api_desk import ApiDesk, jst
from tests.households.test_line_consent import (
    code_sent,
    follow,
    mother_handed_off,
    postback,
    quick_replies,
    said_to,
    son_follows,
)
from tests.web.visitor import Visitor


async def taps(desk: ApiDesk, user: str, labels: list[str]) -> None:
    for label in labels:
        offered = quick_replies((await said_to(desk, user, 1))[-1])
        before = len(desk.line.delivered_messages(user))
        await postback(desk, user, offered[label])
        await said_to(desk, user, before + 1)


async def line_writer(desk: ApiDesk, choice: str) -> str:
    user = ev.new_user_id()
    await follow(desk, user)
    await taps(desk, user, [choice])
    return user


async def run_traffic(desk: ApiDesk) -> dict[str, object]:
    sato = await desk.add_staff("sato", display="佐藤")
    boss = await desk.add_staff("boss", role="supervisor")
    _mother, mother_conversation = await mother_handed_off(desk)
    handed = desk.clock.now()
    await line_writer(desk, "家族のこと")
    async with Visitor(desk.service) as grandmother:
        await grandmother.start()
        await grandmother.choose("家族のこと")
    await line_writer(desk, "自分のこと")
    async with Visitor(desk.service) as woman:
        await woman.start()
        await woman.choose("自分のこと")
    await line_writer(desk, "支援者・関係機関として")

    invitation = await desk.app[keys.DESK].invite(mother_conversation, sato.id)
    son = await son_follows(desk)
    await code_sent(desk, son, invitation.code)
    await code_sent(desk, son, "はい")

    await desk.move(handed + timedelta(minutes=30) - desk.clock.now())
    desk_api = desk.app[keys.DESK]
    await desk_api.answer(mother_conversation, sato.id, "お返事します")

    desk.clock.set(jst(2026, 11, 28, 20, 0))
    late = await desk.ask_for_a_person(first="もう死にたい")
    late_conversation = await desk.conversation_id(late)
    await desk.move(timedelta(minutes=5))
    await desk.send(late, "まだですか")
    desk.clock.set(jst(2026, 11, 30, 10, 0))
    await desk_api.answer(late_conversation, sato.id, "お待たせしました")
    # December: a conference on the household with two agencies (and the lead one again);
    # one item done before its due date, one left open past it; the late case resolved.
    desk.clock.set(jst(2026, 12, 3, 14, 0))
    supervisor = await desk.sign_in(boss)
    status, body = await supervisor.post(
        f"/api/v1/households/{invitation.household_id}/conferences",
        {
            "held_on": "2026-12-03",
            "agencies": ["保健センター", "福祉事務所", "保健センター"],
            "lead_agency": "保健センター",
            "key_worker_id": sato.id,
            "action_items": [
                {"what": "母に様子を聞く", "owner": {"staff_id": sato.id}, "due_on": "2026-12-10"},
                {"what": "手紙を送る", "owner": {"staff_id": sato.id}, "due_on": "2026-12-04"},
            ],
        },
    )
    assert status == 201, body
    (first_item,) = [
        item["id"]
        for item in body["conference"]["action_items"]
        if item["what"] == "母に様子を聞く"
    ]
    desk.clock.set(jst(2026, 12, 5, 11, 0))
    await desk_api.finish_action_item(first_item, sato.id, "済")
    await desk_api.resolve(late_conversation, sato.id)
    return {
        "sato": sato,
        "boss": boss,
        "household": invitation.household_id,
        "mother_conversation": mother_conversation,
    }


# One fact per client wait closed: the mother's follow and six taps and her words (8), the
# father's, grandmother's, man's, woman's and supporter's follow or start and tap (5), the
# son's follow and code and はい (2 waits: the code is answered by the question), the late
# writer's two messages answered at once and her "まだですか" answered after 37 h 55 min.
ACKS = {"n": 18, "within": 17, "share": round(17 / 18, 4)}

NOVEMBER = {
    "new_contacts": {"family": 3, "self": 3, "supporter": 1, "unknown": 1, "total": 8},
    "by_channel": {"line": 6, "web": 2},
    "family_to_self": 1,
    "conversations": {
        "opened": 8,
        "new": 8,
        "returning": 0,
        "reopened": 0,
        "handed": 3,
        "resolved": 0,
    },
    "after_hours": {"first_contacts": 1, "share": 0.125},
    "first_human_answer": {
        "n": 2,
        "p50_seconds": 1800.0,
        "p90_seconds": 136800.0,
        "buckets": {"under_1h": 1, "1h_4h": 0, "4h_8h": 0, "8h_24h": 0, "over_24h": 1},
    },
    "first_human_answer_open_hours": {
        "n": 2,
        "p50_seconds": 1800.0,
        "p90_seconds": 3600.0,
        "buckets": {"under_1h": 1, "1h_4h": 1, "4h_8h": 0, "8h_24h": 0, "over_24h": 0},
    },
    "acknowledged_within_5s": ACKS,
    "danger": {"crisis": 1, "violence": 0, "child": 0},
    "danger_to_person": {"n": 1, "p50_seconds": 136800.0},
    "households": {"new": 1},
    "conferences": {"held": 0, "agencies": 0},
    "action_items": {"done": 0, "done_by_due": 0, "done_by_due_share": None},
}
DECEMBER_ONLY = {
    "conversations": {
        "opened": 0,
        "new": 0,
        "returning": 0,
        "reopened": 0,
        "handed": 0,
        "resolved": 1,
    },
    "conferences": {"held": 1, "agencies": 2},
    "action_items": {"done": 1, "done_by_due": 1, "done_by_due_share": 1.0},
}
INTAKE = {"age_band": {"40s": 1}, "relation": {"mother": 1}, "topic": {"listen": 1}}


def by_month(figures: dict[str, object]) -> dict[str, object]:
    """A month of the list: percentiles are the period's only."""
    found = json.loads(json.dumps(figures))
    for name in ("first_human_answer", "first_human_answer_open_hours", "danger_to_person"):
        for key in ("p50_seconds", "p90_seconds"):
            found[name].pop(key, None)
    return found


def merged(*parts: dict[str, object]) -> dict[str, object]:
    """The period's totals: November's figures with December's added where they differ."""
    total = json.loads(json.dumps(parts[0]))
    for part in parts[1:]:
        for key, value in part.items():
            if isinstance(value, dict):
                for name, n in value.items():
                    mine = total[key][name]
                    total[key][name] = (
                        n
                        if n is None or mine is None
                        else (n if isinstance(n, float) else mine + n)
                    )
    return total


async def test_every_figure_of_a_fiscal_year_and_of_a_month(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        made = await run_traffic(desk)
        client = await desk.sign_in(made["boss"])

        status, year = await client.get("/api/v1/figures?from=2026-04-01&to=2027-03-31")
        assert status == 200, year
        months = year.pop("months")
        expected = merged(NOVEMBER, DECEMBER_ONLY)
        expected["action_items"]["overdue_now"] = 1
        assert year == {
            **expected,
            "from": "2026-04-01",
            "to": "2027-03-31",
            "intake": INTAKE,
            "agencies": {"保健センター": 1, "福祉事務所": 1},
            "longest_waits": [{"day": "2026-12-05", "seconds": 136500.0}],
        }
        assert [m["month"] for m in months] == [f"2026-{m:02d}" for m in range(4, 13)] + [
            "2027-01",
            "2027-02",
            "2027-03",
        ]
        assert months[7] == {"month": "2026-11", **by_month(NOVEMBER)}
        december = months[8]
        for key, value in DECEMBER_ONLY.items():
            assert december[key] == value
        assert december["new_contacts"]["total"] == 0
        assert all(m["new_contacts"]["total"] == 0 for m in months if m["month"] != "2026-11")

        # The daily counts kept fact by fact are what the facts recounted give.
        def days(conn):
            return conn.execute("SELECT * FROM reporting_days ORDER BY 1, 2, 3").fetchall()

        kept = await desk.db.read(days)
        await desk.db.write(facts.recount_days)
        assert await desk.db.read(days) == kept

        status, month = await client.get("/api/v1/figures?from=2026-11-01&to=2026-11-30")
        assert status == 200, month
        assert [m["month"] for m in month.pop("months")] == ["2026-11"]
        assert month == {
            **NOVEMBER,
            "action_items": {**NOVEMBER["action_items"], "overdue_now": 1},
            "from": "2026-11-01",
            "to": "2026-11-30",
            "intake": INTAKE,
            "agencies": {},
            "longest_waits": [],
        }


def table(body: bytes) -> dict[str, list[str]]:
    assert body.startswith("\ufeff".encode()), "a BOM, so that Excel in Japan reads UTF-8"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return {row[0]: row[1:] for row in rows}


async def test_the_csv_by_month_and_its_publish_variant(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        made = await run_traffic(desk)
        client = await desk.sign_in(made["boss"])
        path = "/api/v1/figures.csv?from=2026-11-01&to=2026-12-31"
        async with client.session.get(desk.service.url + path) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/csv")
            plain = table(await response.read())
        async with client.session.get(desk.service.url + path + "&publish=1") as response:
            assert response.status == 200
            assert "publish" in response.headers["Content-Disposition"]
            published = table(await response.read())

        # key: [label, 2026-11, 2026-12, the period]
        assert plain["キー"] == ["項目", "2026-11", "2026-12", "期間合計"]
        assert plain["new_contacts.family"] == ["新規（家族から）", "3", "0", "3"]
        assert plain["new_contacts.supporter"][1:] == ["1", "0", "1"]
        assert plain["after_hours.share"][1:] == ["0.125", "", "0.125"]
        # Percentiles are the period's only.
        assert plain["first_human_answer.p50_seconds"][1:] == ["", "", "1800"]
        assert plain["first_human_answer.buckets.over_24h"][1:] == ["1", "0", "1"]
        assert plain["conferences.held"][1:] == ["0", "1", "1"]

        # Three and more are shown; one and two are 「3未満」; zero points at nobody.
        assert published["new_contacts.family"][1:] == ["3", "0", "3"]
        assert published["new_contacts.total"][1:] == ["8", "0", "8"]
        assert published["new_contacts.supporter"][1:] == ["3未満", "0", "3未満"]
        assert published["new_contacts.unknown"][1:] == ["3未満", "0", "3未満"]
        assert published["family_to_self"][1:] == ["3未満", "0", "3未満"]
        assert published["by_channel.web"][1:] == ["3未満", "0", "3未満"]
        assert published["first_human_answer.buckets.under_1h"][1:] == ["3未満", "0", "3未満"]
        # A share or a time follows the count it is made of.
        assert published["after_hours.share"][1:] == ["0.125", "", "0.125"]
        assert published["first_human_answer.p50_seconds"][1:] == ["", "", "3未満"]
        assert published["action_items.done_by_due_share"][1:] == ["", "3未満", "3未満"]
        # The intake's answers and the agencies, a row a value, hidden when small as well.
        assert plain["intake.age_band.40s"] == ["本人の年代: 40s", "1", "0", "1"]
        assert plain["intake.topic.listen"][1:] == ["1", "0", "1"]
        assert plain["agencies.保健センター"][1:] == ["0", "1", "1"]
        assert published["intake.relation.mother"][1:] == ["3未満", "0", "3未満"]
        assert published["agencies.福祉事務所"][1:] == ["0", "3未満", "3未満"]
        assert set(published) == set(plain)


async def test_only_supervisors_see_figures_bad_dates_are_told_and_every_look_is_audited(
    tmp_path,
):
    async with ApiDesk.open(tmp_path) as desk:
        counselor = await desk.sign_in(await desk.add_staff("sato"))
        admin_member = await desk.add_staff("admin", role="admin")
        admin = await desk.sign_in(admin_member)
        for path in ("/api/v1/figures", "/api/v1/figures.csv"):
            status, body = await counselor.get(path + "?from=2026-04-01&to=2027-03-31")
            assert status == 403 and body["error"] == sentence("forbidden", "ja")
            status, body = await desk.client().get(path + "?from=2026-04-01&to=2027-03-31")
            assert status == 401
        for query, error in (
            ("?from=2026-4-1&to=2027-03-31", sentence("bad_figures_day", "ja", name="from")),
            ("?from=2026-04-01", sentence("bad_figures_day", "ja", name="to")),
            ("?from=2027-04-01&to=2027-03-31", sentence("bad_figures_period", "ja")),
            ("?from=2020-04-01&to=2027-03-31", sentence("bad_figures_period", "ja")),
        ):
            status, body = await admin.get("/api/v1/figures" + query)
            assert status == 400 and body["error"] == error, (query, body)
        status, _ = await admin.get("/api/v1/figures?from=2026-04-01&to=2027-03-31")
        assert status == 200
        async with admin.session.get(
            desk.service.url + "/api/v1/figures.csv?from=2026-11-01&to=2026-11-30&publish=1"
        ) as response:
            assert response.status == 200
        looks = await desk.db.read(lambda c: audit_entries(c, None, 10, action="view_figures"))
        assert [(e.staff.id if e.staff else None, e.detail) for e in looks] == [
            (
                admin_member.id,
                {"from": "2026-11-01", "to": "2026-11-30", "as": "csv_publish"},
            ),
            (admin_member.id, {"from": "2026-04-01", "to": "2027-03-31", "as": "json"}),
        ]


async def test_a_reopened_conversation_is_timed_from_its_reopening(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        desk_api = desk.app[keys.DESK]
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        await desk.move(timedelta(minutes=20))
        await desk_api.answer(conversation_id, sato.id, "お返事します")
        await desk_api.resolve(conversation_id, sato.id)
        # Two hours later she writes again: the same conversation, a new wait.
        desk.clock.set(jst(2026, 11, 25, 13, 0))
        await desk.send(user, "もう一つ聞きたいことがあります")
        assert await desk.conversation_id(user) == conversation_id
        desk.clock.set(jst(2026, 11, 25, 13, 10))
        await desk_api.answer(conversation_id, sato.id, "どうぞ")

        boss = await desk.sign_in(await desk.add_staff("boss", role="supervisor"))
        status, body = await boss.get("/api/v1/figures?from=2026-11-25&to=2026-11-25")
        assert status == 200, body
        assert body["conversations"] == {
            "opened": 1,
            "new": 1,
            "returning": 0,
            "reopened": 1,
            "handed": 1,
            "resolved": 1,
        }
        # 20 minutes from the handoff, then 10 from the reopening (not 3 h 10 min).
        assert body["first_human_answer"] == {
            "n": 2,
            "p50_seconds": 600.0,
            "p90_seconds": 1200.0,
            "buckets": {"under_1h": 2, "1h_4h": 0, "4h_8h": 0, "8h_24h": 0, "over_24h": 0},
        }
        assert body["new_contacts"]["unknown"] == 1 and body["after_hours"]["share"] == 0.0
