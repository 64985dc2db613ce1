"""`tobira keys`: make a master key; re-wrap every data key under a new one (rotation)."""

from __future__ import annotations

import argparse
from typing import Any

from storage.sealing import new_key_text


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="master keys for what people write (issue 23)")
    sub = keys.add_subparsers(title="keys commands")
    new = sub.add_parser("new", help="print a fresh master key (base64 of 32 bytes)")
    new.set_defaults(run=_new)


def _new(args: argparse.Namespace) -> int:
    # Printed, never stored: where it is kept (a secret store, not beside the backups) is
    # the operator's choice; README "Keys".
    print(new_key_text())
    return 0
