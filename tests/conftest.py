from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakeline import FakeLine
from tests.service import RunningService, settings_for


@pytest.fixture
async def line() -> AsyncIterator[FakeLine]:
    async with FakeLine(access_token="test-token") as fake:
        yield fake


@pytest.fixture
async def service(tmp_path, line) -> AsyncIterator[RunningService]:
    async with RunningService(settings_for(tmp_path / "tobira.db", line)) as running:
        yield running
