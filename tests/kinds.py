"""The slow kinds of test, and a guard that keeps their markers honest.

`browser`: the test drives Debian's chromium through Playwright. `subprocess`: it starts a
process of its own (tobira serve, the CLI, make, git). Both are registered in pyproject.toml
(`--strict-markers`). A Python audit hook sees every process a test starts; a test that
starts one without its marker fails at teardown, so `pytest -m "not browser"` can never run a
browser quietly, and a new browser test cannot be left out of the marker unnoticed.

multiprocessing's "spawn" start raises no audit event: the guard does not see it (only
tobira's sending process uses it, and its tests start tobira as a process anyway).
tests/conftest.py imports the hook and the fixture below, which is how pytest finds them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
KINDS = ("browser", "subprocess")

# Playwright reaches its browsers through a Node driver it starts with this argument.
_DRIVER_ARGUMENT = "run-driver"

_running: list[str] = []  # the test being set up, run or torn down now (one at a time)
_started: set[str] = set()  # the kinds of process it has started so far


def kind_of(argv: Any) -> str:
    """The marker a process with these arguments needs."""
    words = [argv] if isinstance(argv, str | bytes) else list(argv)
    if any(str(word) == _DRIVER_ARGUMENT for word in words):
        return "browser"
    return "subprocess"


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # Audit hooks see every event of the interpreter: stay cheap and never raise.
    if not _running:
        return
    if event in ("subprocess.Popen", "os.posix_spawn"):  # asyncio's go through Popen too
        _started.add(kind_of(args[1]))
    elif event in ("os.system", "os.fork", "os.forkpty"):
        _started.add("subprocess")


sys.addaudithook(_audit)


def missing_markers(started: set[str], marked: set[str]) -> list[str]:
    """The kinds a test started without carrying their marker, sorted."""
    return sorted(started - marked)


@pytest.fixture(autouse=True)
def kind_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Autouse and requested first, so it is torn down last: it sees every process the
    test and its fixtures start."""
    _running[:] = [request.node.nodeid]
    _started.clear()
    try:
        yield
    finally:
        marked = {kind for kind in KINDS if request.node.get_closest_marker(kind)}
        missing = missing_markers(_started, marked)
        _running.clear()
        _started.clear()
    if missing:
        pytest.fail(
            f"{request.node.nodeid} started a process of kind {', '.join(missing)} without "
            f"the marker: add @pytest.mark.{missing[0]} (see tests/kinds.py)",
            pytrace=False,
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests skip, saying why, where Debian's chromium is not installed."""
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason="needs Debian's chromium: `make test` installs it as root")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)
