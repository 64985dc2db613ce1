"""What the operator commands share: a refusal in one line (exit code 2) and one database
opened for the command's work."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.app.database import open_database
from bot.cli.demo_seed import with_demo_key_on_demo_database
from bot.config.settings import Settings
from storage.database import Database

T = TypeVar("T")


class Refused(Exception):
    """One line for the operator, exit code 2."""


def guarded(
    command: Callable[[argparse.Namespace], int], *also: type[Exception]
) -> Callable[[argparse.Namespace], int]:
    """The command, with a refusal (Refused, or one of `also`) printed as one line."""

    caught: tuple[type[Exception], ...] = (Refused, *also)

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except caught as error:
            print(f"tobira: {error}", file=sys.stderr)
            return 2

    return run


def with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    settings = with_demo_key_on_demo_database(settings)

    async def run() -> T:
        db = await open_database(settings)
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())
