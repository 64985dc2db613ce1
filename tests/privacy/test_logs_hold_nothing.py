"""Issue 23's proof that logs hold nothing personal: the busiest scenarios with every logger
at DEBUG, and every line they wrote scanned for the texts and platform ids used: none.

In the service itself (every record caught at the root, each written as the service writes
it, logs.JsonLines, and as a plain handler would, traceback included, and each extra field
on its own), and in `tobira serve` as a process, LINE's sending process included (its stderr).
"""

from __future__ import annotations

import json
import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import aiohttp
import pytest

from bot.runtime.logs import JsonLines
from tests import line_events as ev
from tests.console.api_desk import ApiDesk
from tests.fakeline import FakeLine
from tests.privacy.every_path import MARKERS, marker, write_through_every_path
from tests.privacy.rawscan import describe, scan_lines
from tests.processes import service_env, start_service, wait_healthy
from tests.service import SECRET, free_port
from tests.web.visitor import Visitor

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class _Every(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def every_record() -> Iterator[list[logging.LogRecord]]:
    """Every record any logger makes meanwhile, DEBUG included (levels put back after)."""
    handler = _Every()
    root = logging.getLogger()
    known = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    named = [logging.getLogger(name) for name in ("aiohttp", "asyncio", "tobira")]
    loggers = [root, *known, *named]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    # A logger that does not pass records up is caught where it is.
    lone = [logger for logger in known if not logger.propagate]
    for logger in [root, *lone]:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger in [root, *lone]:
            logger.removeHandler(handler)
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled


def written(records: list[logging.LogRecord]) -> list[str]:
    """Each record as the service writes it, as a plain handler would (with the traceback),
    and each extra field on its own (repr: what a formatter could print of it)."""
    ours, plain = JsonLines(), logging.Formatter("%(levelname)s %(name)s %(message)s")
    lines = []
    for record in records:
        lines.append(ours.format(record))
        lines.append(plain.format(record))
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                lines.append(f"{record.name} extra {key}={value!r}")
    return lines


UNHAPPY = {
    "forged webhook": marker("偽の署名"),
    "answer LINE refuses": marker("届かない返事"),
}


async def _failures_and_refusals(desk: ApiDesk, ids: dict[str, str]) -> None:
    """The unhappy paths, each with a marker in it: a forged webhook, an answer LINE refuses
    for good."""
    user = ids["LINE user id"]
    forged = ev.text(user, UNHAPPY["forged webhook"], "x" * 32)
    assert await desk.service.post_events(forged, secret="not-the-secret") == 400
    sato = await desk.sign_in(await desk.add_staff("kato", role="supervisor"))
    conversation_id = await desk.conversation_id(ids["LINE user id (danger)"])
    desk.line.fail_next("push", 400)
    status, body = await sato.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": UNHAPPY["answer LINE refuses"]},
    )
    assert status in (200, 201, 202), body
    await desk.service.settle()


async def _household_invitation(desk: ApiDesk, ids: dict[str, str]) -> dict[str, str]:
    """The mother's invitation, taken up by her son on LINE (the code) and by her daughter
    on the web (the link): codes and tokens are secrets too."""
    sato = await desk.sign_in(await desk.add_staff("ito"))
    conversation_id = await desk.conversation_id(ids["LINE user id"])
    secrets_used = {"son's LINE user id": ev.new_user_id()}
    for taker in ("line", "web"):
        status, body = await sato.post(f"/api/v1/conversations/{conversation_id}/invitations", {})
        assert status == 201, body
        made = body["invitation"]
        if taker == "line":
            secrets_used["invitation code"] = made["code"]
            await desk.send(secrets_used["son's LINE user id"], made["code"])
        else:
            token = made["web_url"].split("#invite=")[1]
            secrets_used["invitation link token"] = token
            async with Visitor(desk.service) as daughter:
                status, answer = await daughter.post("/chat/api/start", {"invite": token})
                assert status == 200, answer
                await desk.service.settle()
    return secrets_used


async def test_the_busiest_scenarios_at_debug_log_no_text_and_no_platform_id(tmp_path):
    with every_record() as records:
        async with ApiDesk.open(tmp_path) as desk:
            ids = await write_through_every_path(desk)
            await _failures_and_refusals(desk, ids)
            ids |= await _household_invitation(desk, ids)
    assert any(r.levelno == logging.DEBUG and r.name.startswith("tobira") for r in records)
    said = {r.getMessage() for r in records}
    walked = {
        "event processed",
        "webhook rejected",
        "malformed event kept",
        "message not delivered",
    }
    assert walked <= said, walked - said  # the unhappy paths were walked, not skipped
    hits = scan_lines(written(records), {**MARKERS, **UNHAPPY, **ids})
    assert not hits, describe(hits)


def _delivered(count: int) -> Callable[[FakeLine], bool]:
    return lambda fake: len(fake.delivered) >= count


@pytest.mark.subprocess
async def test_tobira_serve_at_debug_writes_no_text_and_no_platform_id(tmp_path):
    """The process as deployed: its own logging set-up, and LINE calls made by the sending
    process (its own logs, to the same stderr)."""
    config = tmp_path / "tobira.toml"
    config.write_text('[logging]\nlevel = "DEBUG"\n', encoding="utf-8")
    log = tmp_path / "stderr.log"
    port = free_port()
    user = ev.new_user_id()
    first, answer = marker("プロセスへの最初の言葉"), marker("プロセスでの自由記述")
    async with FakeLine(access_token="test-token") as line:
        env = service_env(tmp_path / "tobira.db", line, port, config)
        process = start_service(env, log)
        try:
            url = f"http://127.0.0.1:{port}"
            await wait_healthy(url, process)
            line.fail_next("reply", 500)
            async with aiohttp.ClientSession() as session:
                for sent, text in enumerate((first, answer), 1):
                    body = ev.payload(ev.text(user, text, line.issue_reply_token(user)))
                    assert (
                        await ev.post_webhook(session, url + "/webhooks/line", body, SECRET) == 200
                    )
                    await line.wait_for(_delivered(sent), timeout=15)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
    lines = log.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line).get("event") for line in lines if line.startswith("{")]
    assert "event processed" in events and "webhook" in events, lines  # DEBUG reached stderr
    hits = scan_lines(lines, {"first message": first, "free-text answer": answer, "user": user})
    assert not hits, describe(hits)


def test_a_leaking_line_would_be_found():
    """The capture sees a logger made after it began, at DEBUG, and the scan finds a text in
    an extra field (the way a careless log call would leak it)."""
    secret = marker("漏れ")
    with every_record() as records:
        logging.getLogger("tobira.privacy.careless").debug("turn", extra={"text": secret})
    assert scan_lines(written(records), {"text": secret})
