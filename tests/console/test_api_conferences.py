"""The console's case conference API (issue 21) against the real service: who may call each
route (401 without a session, 403 without the CSRF token, 404 for a counselor of the other
organisation, who may not see the household), a conference refused with a sentence when
nobody steers or a field is malformed (and nothing written), the queue of action items
(mine, all, overdue, done), an item marked done with its result, and the audit of a
summary shared."""

from __future__ import annotations

from datetime import timedelta

import weasyprint  # noqa: F401  (loaded at collection: see below)

from staff_console.errors import sentence
from storage.read_side import audit_entries
from tests.console.api_desk import ApiDesk, Staff

# WeasyPrint finds pango at import through ctypes' find_library, which runs ldconfig: imported
# here, while pytest collects, so that no test starts that process (tests/kinds.py).
AGENCIES = ["地域包括支援センター", "保健センター", "社会福祉協議会"]


async def _household(desk: ApiDesk):
    """Sato (welfare) has a mother's conversation, and a household made from it."""
    sato = await desk.add_staff("sato", display="佐藤")
    client = await desk.sign_in(sato)
    user = await desk.ask_for_a_person()
    conversation_id = await desk.conversation_id(user)
    status, body = await client.post(f"/api/v1/conversations/{conversation_id}/household", {})
    assert status == 201, body
    return sato, client, body["household"]["id"]


def _conference(key_worker: Staff, **changes):
    body = {
        "held_on": "2026-11-25",
        "agencies": AGENCIES,
        "lead_agency": "保健センター",
        "key_worker_id": key_worker.id,
        "decisions": "母の介護の相談は包括が受ける。本人への手紙は急がない。",
        "next_review_on": "2027-02-25",
        "action_items": [
            {
                "what": "介護保険の申請を案内する",
                "owner": {"agency": "地域包括支援センター", "person": "田中"},
                "due_on": "2026-12-02",
            },
            {
                "what": "母に様子を聞く",
                "owner": {"staff_id": key_worker.id},
                "due_on": "2026-11-27",
            },
        ],
    }
    body.update(changes)
    return body


async def test_every_route_needs_a_session_every_write_the_csrf_token(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        nobody = desk.client()
        routes = [
            ("POST", f"/api/v1/households/{household_id}/conferences"),
            ("GET", f"/api/v1/households/{household_id}/conferences"),
            ("GET", "/api/v1/conferences/1"),
            ("POST", "/api/v1/conferences/1/shared"),
            ("GET", "/api/v1/action-items"),
            ("GET", "/api/v1/action-items/overdue-count"),
            ("POST", "/api/v1/action-items/1/done"),
            ("POST", "/api/v1/action-items/1/drop"),
        ]
        for method, path in routes:
            status, body = await nobody.request(
                method, path, _conference(sato) if method == "POST" else None
            )
            assert status == 401, (path, body)
            assert body["error"] == sentence("sign_in_needed", "ja")
        for method, path in routes:
            if method == "POST":
                status, body = await client.request(method, path, _conference(sato), csrf=False)
                assert status == 403, (path, body)
                assert body["error"] == sentence("csrf", "ja")
        # Nothing was recorded by the refused calls.
        status, body = await client.get(f"/api/v1/households/{household_id}/conferences")
        assert status == 200 and body["conferences"] == []
        # The summary page needs a session too.
        status, _ = await nobody.get("/console/conferences/1/summary")
        assert status == 303


async def test_a_conference_is_recorded_with_its_items(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        status, body = await client.post(
            f"/api/v1/households/{household_id}/conferences", _conference(sato)
        )
        assert status == 201, body
        made = body["conference"]
        assert made["held_on"] == "2026-11-25"
        assert made["agencies"] == AGENCIES
        assert made["lead_agency"] == "保健センター"
        assert made["key_worker_id"] == sato.id
        assert made["next_review_on"] == "2027-02-25"
        # Soonest due first.
        items = made["action_items"]
        assert [i["what"] for i in items] == ["母に様子を聞く", "介護保険の申請を案内する"]
        assert {"id", "what", "owner", "due_on", "state"} <= set(items[0])
        assert items[1]["owner"] == {"agency": "地域包括支援センター", "person": "田中"}
        assert items[0]["owner"] == {"staff_id": sato.id}
        assert {i["state"] for i in items} == {"open"}

        status, body = await client.get(f"/api/v1/households/{household_id}/conferences")
        assert status == 200 and [c["id"] for c in body["conferences"]] == [made["id"]]
        status, body = await client.get(f"/api/v1/conferences/{made['id']}")
        assert status == 200 and body["conference"]["id"] == made["id"]


async def test_nobody_steering_or_a_malformed_field_is_refused_in_words(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        path = f"/api/v1/households/{household_id}/conferences"
        bad_input = sentence("conference_bad_input", "ja", reason="")[:8]
        refused = [
            (_conference(sato, lead_agency=""), sentence("conference_lead_agency_missing", "ja")),
            (_conference(sato, lead_agency=None), sentence("conference_lead_agency_missing", "ja")),
            (
                _conference(sato, key_worker_id=None),
                sentence("conference_key_worker_missing", "ja"),
            ),
            (_conference(sato, held_on="25/11/2026"), bad_input),
            (_conference(sato, agencies="保健センター"), bad_input),
            (_conference(sato, key_worker_id="sato"), bad_input),
            (
                _conference(
                    sato, action_items=[{"what": "電話", "owner": {}, "due_on": "2026-12-01"}]
                ),
                sentence("action_item_owner_missing", "ja"),
            ),
            (
                _conference(sato, action_items=[{"what": "電話", "owner": {"staff_id": sato.id}}]),
                bad_input,
            ),
        ]
        body = _conference(sato)
        del body["lead_agency"]
        refused.append((body, sentence("conference_lead_agency_missing", "ja")))
        for sent, words in refused:
            status, answer = await client.post(path, sent)
            assert status == 400, (sent, answer)
            assert answer["error"].startswith(words), (sent, answer)
        # In English, the same refusal in English.
        status, answer = await client.post(
            path, _conference(sato, key_worker_id=None), headers={"Accept-Language": "en"}
        )
        assert status == 400 and answer["error"] == sentence("conference_key_worker_missing", "en")
        status, answer = await client.get(path)
        assert answer["conferences"] == []


async def test_a_counselor_of_the_other_organisation_is_refused_everywhere(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        _, body = await client.post(
            f"/api/v1/households/{household_id}/conferences", _conference(sato)
        )
        conference = body["conference"]
        item_id = conference["action_items"][1]["id"]  # the agency's
        # Suzuki works for the other organisation: the household is not hers to see.
        suzuki = await desk.sign_in(await desk.add_staff("suzuki", org="psych"))
        for method, path, sent in [
            ("POST", f"/api/v1/households/{household_id}/conferences", _conference(sato)),
            ("GET", f"/api/v1/households/{household_id}/conferences", None),
            ("GET", f"/api/v1/conferences/{conference['id']}", None),
            ("POST", f"/api/v1/conferences/{conference['id']}/shared", {"shared_with": "x"}),
            ("POST", f"/api/v1/action-items/{item_id}/done", {"result": "済み"}),
            ("POST", f"/api/v1/action-items/{item_id}/drop", {}),
        ]:
            status, answer = await suzuki.request(method, path, sent)
            assert status == 404, (path, answer)
        status, answer = await suzuki.get("/api/v1/action-items?state=open")
        assert status == 200 and answer["action_items"] == []
        status, _ = await suzuki.get(f"/console/conferences/{conference['id']}/summary")
        assert status == 404
        # Nothing she tried changed the item.
        status, answer = await client.get(f"/api/v1/conferences/{conference['id']}")
        assert answer["conference"]["action_items"][0]["state"] == "open"


async def test_the_queue_mine_all_overdue_and_an_item_done_with_its_result(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        boss_member = await desk.add_staff("boss", role="supervisor", display="所長")
        boss = await desk.sign_in(boss_member)
        status, body = await boss.post(
            f"/api/v1/households/{household_id}/conferences", _conference(sato)
        )
        assert status == 201, body
        conference_id = body["conference"]["id"]
        sato_item, agency_item = body["conference"]["action_items"]

        # Sato's: the item she owns, and the agency's, since she is the key worker.
        status, body = await client.get("/api/v1/action-items?state=open&mine=1")
        assert status == 200
        assert [i["id"] for i in body["action_items"]] == [sato_item["id"], agency_item["id"]]
        shown = body["action_items"][0]
        assert shown["conference_id"] == conference_id
        assert shown["household"] == {
            "id": household_id,
            "number": shown["household"]["number"],
            "label": shown["household"]["label"],
        }
        assert shown["household"]["label"].startswith("H-")
        assert shown["owner"] == {"staff_id": sato.id} and shown["result"] is None
        assert shown["due_on"] == "2026-11-27" and shown["state"] == "open"
        status, body = await boss.get("/api/v1/action-items?state=open&mine=1")
        assert body["action_items"] == []
        status, body = await boss.get("/api/v1/action-items?state=open")
        assert {i["id"] for i in body["action_items"]} == {agency_item["id"], sato_item["id"]}
        status, body = await client.get("/api/v1/action-items?state=later")
        assert status == 400 and "later" in body["error"]

        # Three days later Sato's item is overdue (the agency's not yet), counted in the header.
        await desk.move(timedelta(days=3))
        client, boss = await desk.sign_in(sato), await desk.sign_in(boss_member)
        status, body = await client.get("/api/v1/action-items?state=overdue")
        assert [i["id"] for i in body["action_items"]] == [sato_item["id"]]
        status, body = await client.get("/api/v1/action-items/overdue-count")
        assert status == 200 and body["overdue"] == 1

        status, body = await client.post(
            f"/api/v1/action-items/{sato_item['id']}/done", {"result": "母は落ち着いている。"}
        )
        assert status == 200, body
        assert body["action_item"]["state"] == "done"
        assert body["action_item"]["result"] == "母は落ち着いている。"
        status, body = await client.get("/api/v1/action-items/overdue-count")
        assert body["overdue"] == 0
        status, body = await client.get("/api/v1/action-items?state=done")
        assert [(i["id"], i["result"]) for i in body["action_items"]] == [
            (sato_item["id"], "母は落ち着いている。")
        ]
        # Done twice: refused in words, the first result kept.
        status, body = await client.post(
            f"/api/v1/action-items/{sato_item['id']}/done", {"result": "別"}
        )
        assert status == 409 and body["error"]
        # The agency's item dropped.
        status, body = await boss.post(f"/api/v1/action-items/{agency_item['id']}/drop", {})
        assert status == 200 and body["action_item"]["state"] == "dropped"


async def test_a_summary_shared_is_audited_with_to_whom(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        _, body = await client.post(
            f"/api/v1/households/{household_id}/conferences", _conference(sato)
        )
        conference_id = body["conference"]["id"]
        path = f"/api/v1/conferences/{conference_id}/shared"
        status, body = await client.post(path, {"shared_with": "  ", "form": "print"})
        assert status == 400 and body["error"] == sentence("summary_shared_with_missing", "ja")
        status, body = await client.post(path, {"shared_with": "包括 田中さん", "form": "fax"})
        assert status == 400
        status, body = await client.post(
            path, {"shared_with": "地域包括支援センター 田中さん", "results": True, "form": "print"}
        )
        assert status == 200, body
        entries = await desk.db.read(lambda c: audit_entries(c, staff_id=sato.id))
        shared = [e for e in entries if e.action == "share_conference_summary"]
        assert len(shared) == 1, entries
        assert shared[0].detail["shared_with"] == "地域包括支援センター 田中さん"
        assert shared[0].detail["results"] is True and shared[0].detail["form"] == "print"


async def _post_form(client, path: str, fields: dict[str, str]) -> tuple[int, str, bytes]:
    """A form post from the summary page (the PDF's download), as the browser sends it."""
    async with client.session.post(
        client.base_url + path, data=fields, allow_redirects=False
    ) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


async def test_the_pdf_is_recorded_with_to_whom_before_it_is_given(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        _, body = await client.post(
            f"/api/v1/households/{household_id}/conferences", _conference(sato)
        )
        path = f"/console/conferences/{body['conference']['id']}/summary.pdf?results=1"
        # Without the form's CSRF token: refused, nothing recorded.
        status, _, _ = await _post_form(client, path, {"shared_with": "包括 田中さん"})
        assert status == 403
        # Without saying to whom: the page again, with the sentence, and no file.
        status, kind, page = await _post_form(
            client, path, {"csrf_token": client.csrf, "shared_with": "  "}
        )
        assert status == 400 and kind.startswith("text/html")
        assert sentence("summary_shared_with_missing", "ja") in page.decode()
        # A counselor of the other organisation: not hers to see.
        suzuki = await desk.sign_in(await desk.add_staff("suzuki", org="psych"))
        status, _, _ = await _post_form(
            suzuki, path, {"csrf_token": suzuki.csrf, "shared_with": "包括 田中さん"}
        )
        assert status == 404

        status, kind, pdf = await _post_form(
            client, path, {"csrf_token": client.csrf, "shared_with": "包括 田中さん"}
        )
        assert status == 200 and kind == "application/pdf" and pdf.startswith(b"%PDF")
        entries = await desk.db.read(lambda c: audit_entries(c, action="share_conference_summary"))
        assert [
            (e.staff.id, e.detail["shared_with"], e.detail["form"], e.detail["results"])
            for e in entries
        ] == [(sato.id, "包括 田中さん", "pdf", True)]


async def test_every_look_through_the_api_is_audited_but_not_a_background_refresh(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        status, made = await client.post(
            f"/api/v1/households/{household_id}/conferences", _conference(sato)
        )
        assert status == 201, made
        conference_id = made["conference"]["id"]
        looks = [
            (f"/api/v1/conferences/{conference_id}", "view_conference"),
            (f"/api/v1/households/{household_id}/conferences", "view_household_conferences"),
            ("/api/v1/action-items?state=open&mine=1", "view_action_items"),
        ]
        for path, _ in looks:
            assert (await client.get(path))[0] == 200
            background = {"X-Tobira-Background": "1"}
            assert (await client.get(path, headers=background))[0] == 200
        entries = await desk.db.read(lambda c: audit_entries(c, staff_id=sato.id))
        seen = [(e.action, e.detail) for e in entries if e.action.startswith("view_")]
        expected = [
            ("view_conference", {"household_id": household_id, "conference_id": conference_id}),
            ("view_household_conferences", {"household_id": household_id}),
            ("view_action_items", {"state": "open", "mine": True}),
        ]
        for action, detail in expected:
            assert seen.count((action, detail)) == 1, (action, seen)


async def test_only_a_print_is_recorded_through_the_api_and_odd_fields_are_refused(tmp_path):
    """ "form":"pdf" is the PDF route's own record, never the API's; agencies are counted as
    sent (twenty-one of the same name is too many); a date is only YYYY-MM-DD; a NUL
    character in a text is refused. Each a 400 with a sentence, nothing written."""
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        path = f"/api/v1/households/{household_id}/conferences"
        status, made = await client.post(path, _conference(sato))
        assert status == 201, made
        conference_id = made["conference"]["id"]
        item_id = made["conference"]["action_items"][0]["id"]
        shared = f"/api/v1/conferences/{conference_id}/shared"
        status, body = await client.post(shared, {"shared_with": "包括 田中さん", "form": "pdf"})
        assert status == 400 and "print" in body["error"], body
        entries = await desk.db.read(lambda c: audit_entries(c, action="share_conference_summary"))
        assert entries == []

        twenty_one = _conference(sato, agencies=["保健センター"] * 21)
        status, body = await client.post(path, twenty_one)
        assert status == 400 and body["error"] == sentence("conference_too_many", "ja"), body
        for held_on in ("20261125", "2026-W48-3", "2026-11-25T10:00", "２０２６-１１-２５"):
            status, body = await client.post(path, _conference(sato, held_on=held_on))
            assert status == 400 and "YYYY-MM-DD" in body["error"], (held_on, body)
        status, body = await client.post(path, _conference(sato, decisions="決めた\x00こと"))
        assert status == 400 and "NUL" in body["error"], body
        status, body = await client.post(
            f"/api/v1/action-items/{item_id}/done", {"result": "申請\x00済み"}
        )
        assert status == 400 and "NUL" in body["error"], body
        count = await desk.db.read(
            lambda c: c.execute("SELECT COUNT(*) FROM conferences").fetchone()[0]
        )
        assert count == 1
