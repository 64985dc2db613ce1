"""The conference summary's pure parts (staff_console/summary.py): dates in each language,
owners in words, an open item past its due date overdue, and a sheet made only of the
record's own fields (anything else given to it never reaches the page); and the PDF it
becomes through WeasyPrint, one A4 page with the Japanese text readable back."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import jinja2
import weasyprint  # noqa: F401  (loaded at collection: see below)
from pypdf import PdfReader

from bot.runtime.clock import TOKYO
from staff_console.i18n import fill, texts
from staff_console.summary import day_words, owner_words, state_key, summary_context
from staff_console.summary_pdf import render_pdf

# WeasyPrint finds pango at import through ctypes' find_library, which runs ldconfig: imported
# here, while pytest collects, so that no test starts that process (tests/kinds.py).

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=TOKYO)
CONFERENCE = {
    "id": 3,
    "household_id": 1,
    "held_on": "2026-11-25",
    "agencies": ["地域包括支援センター", "保健センター"],
    "lead_agency": "保健センター",
    "key_worker_id": 7,
    "decisions": "本人への手紙は急がない。",
    "next_review_on": None,
    "action_items": [
        {
            "id": 1,
            "what": "申請を案内する",
            "owner": {"agency": "地域包括支援センター", "person": "田中"},
            "due_on": "2026-12-05",
            "state": "done",
            "result": "申請済み。",
        },
        {
            "id": 2,
            "what": "様子を聞く",
            "owner": {"staff_id": 7},
            "due_on": "2026-12-01",
            "state": "open",
        },
    ],
    # Whatever else a record might carry never reaches the sheet.
    "messages": ["ひみつの目印"],
    "client_name": "ひみつの名前",
}


def test_dates_owners_and_states_in_words():
    assert day_words("2026-11-25", "ja") == "2026年11月25日"
    assert day_words(date(2026, 11, 25), "en") == "25 November 2026"
    assert day_words(None, "ja") == ""
    assert owner_words({"staff_id": 7}, {7: "佐藤"}, "ja") == "佐藤"
    assert (
        owner_words({"agency": "保健センター", "person": "田中"}, {}, "ja")
        == "保健センター（田中）"
    )
    assert owner_words({"agency": "保健センター", "person": ""}, {}, "en") == "保健センター"
    today = date(2026, 12, 3)
    assert state_key({"state": "open", "due_on": "2026-12-02"}, today) == "overdue"
    assert state_key({"state": "open", "due_on": "2026-12-03"}, today) == "open"
    assert state_key({"state": "done", "due_on": "2026-12-01"}, today) == "done"


def test_the_sheet_is_made_of_the_record_only():
    sheet = summary_context(
        CONFERENCE,
        {"id": 1, "number": 12, "label": "H-0012"},
        staff_names={7: "佐藤"},
        language="ja",
        results=True,
        now=NOW,
    )
    assert sheet["household"] == "#12　H-0012"
    assert sheet["key_worker"] == "佐藤"
    assert [i["state_key"] for i in sheet["item_rows"]] == ["done", "overdue"]
    assert [i["id"] for i in sheet["returned"]] == [1]
    assert "ひみつ" not in str(sheet)


def _html(results: bool) -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("staff_console", "templates"), autoescape=True
    )
    env.filters["fill"] = lambda template, **values: fill(str(template), **values)
    sheet = summary_context(
        CONFERENCE,
        {"id": 1, "number": 12, "label": "H-0012"},
        staff_names={7: "佐藤"},
        language="ja",
        results=results,
        now=NOW,
    )
    return env.get_template("summary.html").render(
        s=sheet, t=texts("ja"), lang="ja", pdf=True, results=results
    )


def test_the_pdf_is_one_a4_page_in_japanese():
    reader = PdfReader(io.BytesIO(render_pdf(_html(results=True))))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    text = re.sub(r"\s", "", reader.pages[0].extract_text())
    for words in ("ケース検討会議の結果", "申請済み。", "地域包括支援センター（田中）"):
        assert words in text
    assert "ひみつ" not in text
