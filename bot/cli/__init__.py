"""The `tobira` command: main.py (serve, demo, db, flows), staff.py (accounts and leave),
chat.py (talk to the demo in a terminal). It may import everything; nothing imports it."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    # Imported on call: `python -m bot.cli` and the console script share one entry point.
    from bot.cli.main import main as run

    return run(argv)
