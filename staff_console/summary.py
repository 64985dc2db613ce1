"""What a case conference's summary for partner agencies shows (templates/summary.html), as
a pure function of the conference's record: the household's number and label, the date,
the agencies, the lead agency and the key worker, the decisions, and the items with owner,
due date, state and result. It is given only the record staff wrote at the conference and
its items; it is never given a conversation, a message, an intake answer or a contact, so
none of them can reach a summary (the browser test checks with a marker text).

Used for the page and for the PDF alike (staff_console/summary_pdf.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.runtime.clock import TOKYO
from staff_console.i18n import fill, texts

_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def day_words(value: str | date | None, language: str) -> str:
    """2026年11月25日 / 25 November 2026; "" for no date."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return fill(
        texts(language)["summary"]["date"],
        year=day.year,
        month=_MONTHS[day.month - 1] if language == "en" else day.month,
        day=day.day,
    )


def owner_words(owner: Mapping[str, Any], staff_names: Mapping[int, str], language: str) -> str:
    """A staff member by the name colleagues know, or an agency with its contact person."""
    words = texts(language)["action_items"]
    if owner.get("staff_id") is not None:
        return str(owner.get("display_name") or staff_names.get(int(owner["staff_id"]), ""))
    agency, person = str(owner.get("agency") or ""), str(owner.get("person") or "")
    if person:
        return fill(words["owner_agency"], agency=agency, person=person)
    return fill(words["owner_agency_only"], agency=agency)


def state_key(item: Mapping[str, Any], today: date) -> str:
    """open, done, dropped, or overdue: an open item past its due date."""
    state = str(item["state"])
    if state == "open" and item.get("due_on") and str(item["due_on"])[:10] < today.isoformat():
        return "overdue"
    return state


def _finished_on(item: Mapping[str, Any]) -> str | None:
    for name in ("finished_at", "done_at", "closed_at", "finished_on"):
        if item.get(name):
            return str(item[name])
    return None


def summary_context(
    conference: Mapping[str, Any],
    household: Mapping[str, Any],
    *,
    staff_names: Mapping[int, str],
    language: str,
    results: bool,
    now: datetime,
) -> dict[str, Any]:
    """The words of the sheet. `results`: the version that lists what came back since."""
    words = texts(language)["summary"]
    labels = texts(language)["action_item_state"]
    today = now.astimezone(TOKYO).date()
    key_worker = conference.get("key_worker") or {}
    key_worker_id = conference.get("key_worker_id", key_worker.get("id"))
    items = []
    for item in conference.get("action_items", []):
        key = state_key(item, today)
        finished = _finished_on(item)
        items.append(
            {
                "id": item["id"],
                "what": str(item.get("what") or ""),
                "owner": owner_words(item.get("owner") or {}, staff_names, language),
                "due_on": day_words(item.get("due_on"), language),
                "state_key": key,
                "state": labels.get(key, key),
                "result": str(item.get("result") or ""),
                "finished_on": (
                    fill(words["done_on"], date=day_words(finished, language)) if finished else ""
                ),
            }
        )
    return {
        "id": conference["id"],
        "household_id": household["id"],
        "title": words["results_title"] if results else words["page_title"],
        "household": fill(
            words["household_value"], number=household["number"], label=household["label"]
        ),
        "held_on": day_words(conference.get("held_on"), language),
        "agencies": [str(name) for name in conference.get("agencies", [])],
        "lead_agency": str(conference.get("lead_agency") or ""),
        "key_worker": str(
            key_worker.get("display_name")
            or (staff_names.get(int(key_worker_id), "") if key_worker_id else "")
        ),
        "decisions": str(conference.get("decisions") or ""),
        "next_review_on": day_words(conference.get("next_review_on"), language),
        "item_rows": items,
        "returned": [item for item in items if item["state_key"] in ("done", "dropped")],
        "made_at": fill(
            words["made_at"],
            time=now.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M"),
        ),
    }
