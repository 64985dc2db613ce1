"""A fixed master key for tests: databases a test reopens must open with the same key."""

from __future__ import annotations

import base64

from storage.sealing import MasterKeys

TEST_KEY = bytes(range(32))
TEST_KEY_TEXT = base64.b64encode(TEST_KEY).decode("ascii")
TEST_KEYS = MasterKeys(TEST_KEY)
