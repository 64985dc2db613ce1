from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakeline import FakeLine
from tests.kinds import kind_guard, pytest_collection_modifyitems
from tests.service import RunningService, settings_for

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
