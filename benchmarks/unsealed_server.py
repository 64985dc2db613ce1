"""`tobira serve` with nothing sealed: the baseline of benchmarks/sealing.py, and only that.

The same process, flows, SQLite settings and sending process as `tobira serve`; only the
keyring is replaced by one whose seal, open and lookup hash pass the text through (stored
in clear, found by the platform id itself). Production has no way to this: the service
always builds the real Keyring from its master key; this module is the only caller that
passes another (Database.open's `keyring`).
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.main import _run_server, _settings
from bot.config.loading import add_config_argument
from bot.config.privacy import master_keys
from storage.sealing import Keyring
from storage.tx import Tx


class PassThroughKeyring(Keyring):
    """Seals nothing: every sealed column holds its text in clear, as before issue 23."""

    def seal(  # type: ignore[override]
        self, conn: Tx, subject: str, table: str, column: str, row: int | str, text: str
    ) -> str:
        return text

    def open(
        self, conn: Tx, subject: str, table: str, column: str, row: int | str, value: object
    ) -> str | None:
        return value if value is None or isinstance(value, str) else bytes(value).decode()  # type: ignore[arg-type]

    def lookup_hash(self, text: str) -> str:
        return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.unsealed_server")
    add_config_argument(parser)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {"host": args.host, "port": args.port}
    settings = _settings(args, **{k: v for k, v in overrides.items() if v is not None})
    return _run_server(settings, keyring=PassThroughKeyring(master_keys(settings.privacy)))


if __name__ == "__main__":
    raise SystemExit(main())
