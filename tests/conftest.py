from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.fakeline import FakeLine
from tests.kinds import kind_guard, pytest_collection_modifyitems
from tests.sealing_keys import TEST_KEY_TEXT
from tests.service import RunningService, settings_for

# Every `tobira` the tests start as a process inherits a master key, as a deployment's
# environment would give one; tests of start-up without a key remove it (test_keys.py).
os.environ.setdefault("TOBIRA_DATA_KEY", TEST_KEY_TEXT)

# The markers' guard and the chromium skip (tests/kinds.py): pytest finds hooks and fixtures
# by their names here.
__all__ = ["kind_guard", "line", "pytest_collection_modifyitems", "service"]


@pytest.fixture
async def line() -> AsyncIterator[FakeLine]:
    async with FakeLine(access_token="test-token") as fake:
        yield fake


@pytest.fixture
async def service(tmp_path, line) -> AsyncIterator[RunningService]:
    async with RunningService(settings_for(tmp_path / "tobira.db", line)) as running:
        yield running
