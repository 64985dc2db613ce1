"""What the logs may and may not say."""

from __future__ import annotations

import hashlib
import json
import logging

from bot.runtime import logs


def test_user_refs_are_stable_keyed_and_not_the_plain_hash():
    user = "U" + "a" * 32
    logs.set_user_ref_key("secret-one")
    first = logs.user_ref(user)
    assert first == logs.user_ref(user) and len(first) == 12
    assert first != hashlib.sha256(user.encode()).hexdigest()[:12]
    logs.set_user_ref_key("secret-two")
    assert logs.user_ref(user) != first
    logs.set_user_ref_key(None)


def test_an_exception_is_logged_by_type_only():
    record = logging.LogRecord("tobira", logging.ERROR, "x", 1, "turn failed", None, None)
    try:
        raise ValueError("相談内容がここに入っていたら困る")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(logs.JsonLines().format(record))
    assert line["error"] == "ValueError"
    assert "相談内容" not in json.dumps(line, ensure_ascii=False)
