"""What the pages learn from the server rather than keep themselves (issue 18): whether the
signed-in member supervises, and the intake record's fields. The real app on a loopback
port; the scripts are read as files."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from flows.intake import Intake
from tests.console.api_desk import ApiDesk

SCRIPTS = Path(__file__).resolve().parents[2] / "staff_console" / "static" / "js"


def page_data(page: str) -> dict[str, Any]:
    [block] = re.findall(r'<script type="application/json" id="page-data">(.*?)</script>', page)
    data: dict[str, Any] = json.loads(html.unescape(block))
    return data


@pytest.mark.parametrize(
    ("role", "supervises"), [("counselor", False), ("supervisor", True), ("admin", True)]
)
async def test_the_pages_are_told_whether_the_member_supervises(tmp_path, role, supervises):
    async with ApiDesk.open(tmp_path) as desk:
        member = await desk.sign_in(await desk.add_staff("kimura", role=role))
        status, page = await member.get("/console/")
        assert status == 200
        assert page_data(page)["staff"]["can_supervise"] is supervises
        # The supervisors' links are drawn from the same word.
        assert ('id="nav-review"' in page) is supervises


async def test_the_pages_receive_the_intake_fields_in_the_records_order(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        member = await desk.sign_in(await desk.add_staff("sato"))
        _, page = await member.get("/console/handover")
        fields = page_data(page)["intake_fields"]
        assert fields == [field.name for field in dataclasses.fields(Intake)]
        assert fields[:2] == ["who", "relationship"] and "contact_preference" in fields


SCRIPT_FILES = sorted(SCRIPTS.rglob("*.js"))


@pytest.mark.parametrize("script", SCRIPT_FILES, ids=lambda p: str(p.relative_to(SCRIPTS)))
def test_scripts_keep_no_rule_of_the_servers_and_stay_small(script):
    code = script.read_text(encoding="utf-8")
    # Who supervises is the server's word (can_supervise), never a list of roles here.
    assert not re.search(r"""["'](supervisor|admin)["']""", code)
    # The intake fields come from the page's data: no script lists the record's fields.
    assert "contact_preference" not in code and "contact_time" not in code
    assert len(code.splitlines()) <= 400
