"""The `tobira` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.channels.line.demo import DEMO_SECRET
from bot.config.errors import ConfigError
from bot.config.loading import add_config_argument
from bot.config.settings import Settings
from bot.runtime import logs
from bot.runtime.gc_tuning import freeze_startup_heap
from flows import FlowError

if TYPE_CHECKING:
    from storage.sealing import Keyring

log = logging.getLogger("tobira")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except ConfigError as error:
        print(f"tobira: {error}", file=sys.stderr)
        return 2
    except FlowError as error:
        print("tobira: the conversation flows have problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `tobira flows graph NAME | head`: the reader has what it wanted.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tobira", description="tobira: the chat front door")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="run the service")
    add_config_argument(serve)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="run with demo settings on a local SQLite file")
    demo.add_argument("--port", type=int)
    demo.add_argument(
        "--reset", action="store_true", help="start over: delete the demo database first"
    )
    demo.set_defaults(run=_demo)

    chat = commands.add_parser("chat", help="talk to a running `tobira demo` in this terminal")
    chat.add_argument("--url", default="http://127.0.0.1:8080", help="where the demo runs")
    chat.add_argument(
        "--as", dest="as_name", metavar="NAME", help="the same LINE user on every run"
    )
    chat.set_defaults(run=_chat)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(title="db")
    migrate = db.add_parser("migrate", help="bring the schema up to date")
    add_config_argument(migrate)
    migrate.set_defaults(run=_migrate)
    backup = db.add_parser("backup", help="online backup to PATH (safe while serving)")
    add_config_argument(backup)
    backup.add_argument("path", type=Path)
    backup.set_defaults(run=_backup)

    flows = commands.add_parser("flows", help="check or draw the conversation flows")
    flow_commands = flows.add_subparsers(title="flows")
    check = flow_commands.add_parser("check", help="check flow files; file:line for problems")
    check.add_argument("path", nargs="?", type=Path, help="a folder or file (default: shipped)")
    check.set_defaults(run=_flows_check)
    graph = flow_commands.add_parser("graph", help="print one flow as a Mermaid diagram")
    add_config_argument(graph)
    graph.add_argument("name", help="flow name, e.g. family")
    graph.set_defaults(run=_flows_graph)

    safety = commands.add_parser("safety", help="the danger-signal detector")
    safety_commands = safety.add_subparsers(title="safety")
    evaluate = safety_commands.add_parser(
        "eval", help="recall and precision on a labelled file (label<TAB>[about<TAB>]text)"
    )
    evaluate.add_argument("file", help="e.g. tests/data/safety_dev.tsv")
    evaluate.add_argument("--summary", action="store_true", help="figures only, no sentences")
    evaluate.set_defaults(run=_safety_eval)
    train = safety_commands.add_parser(
        "train", help="learn the danger model from labelled files (needs the train extra)"
    )
    train.add_argument("files", nargs="*", help="default: the shipped training data")
    train.add_argument("--out", help="default: the packaged bot/safety/model.json.gz")
    train.add_argument(
        "--cv",
        action="store_true",
        help="print cross-validated figures (stratified, and by writer) instead of a model",
    )
    train.set_defaults(run=_safety_train)

    from bot.cli import safety_feedback as feedback_cli

    feedback_cli.register(safety_commands)

    from bot.cli import staff as staff_cli

    staff_cli.register(commands)

    from bot.cli import keys as keys_cli

    keys_cli.register(commands)

    from bot.cli import erase as erase_cli

    erase_cli.register(commands)
    return parser


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    from bot.cli.demo_seed import with_demo_key_on_demo_database
    from bot.config.loading import load_settings

    settings = load_settings(getattr(args, "config", None), overrides=overrides)
    return with_demo_key_on_demo_database(settings)


def _serve(args: argparse.Namespace) -> int:
    overrides = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    settings = _settings(args, **overrides)
    return _run_server(settings)


def _demo(args: argparse.Namespace) -> int:
    from bot.channels.line.demo import DEMO_TOKEN
    from bot.config.loading import load_settings
    from bot.config.privacy import with_demo_key

    port = args.port if args.port is not None else load_settings(None).port
    overrides: dict[str, object] = {
        "port": port,
        "line.channel_secret": DEMO_SECRET,
        "line.channel_access_token": DEMO_TOKEN,
        "line.api_base_url": f"http://127.0.0.1:{port}/demo-line",
    }
    from bot.cli import demo_seed

    if not os.environ.get("TOBIRA_DB"):
        # The demo keeps its own file unless told otherwise, so a real database is never
        # filled with demo staff; with TOBIRA_DB, `tobira staff ...` and the demo agree.
        overrides["database"] = demo_seed.DEMO_DB
    settings = load_settings(None, overrides=overrides)
    settings = replace(settings, privacy=with_demo_key(settings.privacy))
    if args.reset:
        if os.environ.get("TOBIRA_DB"):
            print("tobira: --reset deletes only the demo's own database; unset TOBIRA_DB.")
            return 2
        for suffix in ("", "-wal", "-shm"):
            Path(f"{settings.database}{suffix}").unlink(missing_ok=True)
    new_database = not settings.database.exists()
    settings = demo_seed.with_demo_organizations(settings)
    return _run_server(
        settings,
        demo_line=True,
        banner=True,
        prepare=demo_seed.accounts,
        after_start=_sample_conversations if new_database else None,
    )


async def _sample_conversations(app: web.Application) -> None:
    from bot.cli.demo_conversations import seed_conversations

    await seed_conversations(app)


def _chat(args: argparse.Namespace) -> int:
    from bot.cli.chat import run_chat

    try:
        return asyncio.run(run_chat(args.url.rstrip("/"), DEMO_SECRET, args.as_name))
    except OSError as error:
        print(
            f"tobira: cannot reach the demo at {args.url}: {error}. Start it with `make run`.",
            file=sys.stderr,
        )
        return 2


def _run_server(
    settings: Settings,
    *,
    demo_line: bool = False,
    banner: bool = False,
    prepare: Callable[[Settings], list[str]] | None = None,
    after_start: Callable[[web.Application], Awaitable[None]] | None = None,
    keyring: Keyring | None = None,
) -> int:
    """Serve until stopped. `prepare` runs once the port is ours and before the service
    starts (the demo's staff accounts); the lines it returns join the banner. `keyring`: see
    Database.open (the sealing benchmark's only)."""
    from bot.app import keys
    from bot.app.channels import flow_limits
    from bot.app.factory import create_app
    from bot.cli import db_lock
    from bot.cli.listen import bound_port, cannot_listen, listen
    from bot.config.privacy import master_keys
    from bot.conversation.flow_loading import load_configured_flows

    # Everything that can refuse to start is checked before any background work starts
    # (the configuration was read before this): the master key, the flows, the port, the
    # database's lock.
    master_keys(settings.privacy)  # no key outside demo mode: one sentence, exit code 2
    # Read once into the settings: the processes this one starts (the detector, the LINE
    # sender) never open the database and do not inherit the key.
    for name in ("TOBIRA_DATA_KEY", "TOBIRA_DATA_KEYS_OLD"):
        os.environ.pop(name, None)
    load_configured_flows(
        settings, flow_limits(settings)
    )  # refuse to start on a broken flow, with file:line
    try:
        sockets = listen(settings.host, settings.port)
    except OSError as error:
        print(cannot_listen(settings.host, settings.port, error), file=sys.stderr)
        return 2
    # Then the database: one serving tobira per database file.
    try:
        lock = db_lock.hold(settings.database)  # held until the process ends
    except db_lock.InUse as in_use:
        for sock in sockets:
            sock.close()
        print(f"tobira: {in_use}", file=sys.stderr)
        return 2
    port = bound_port(sockets)
    prepared = prepare(settings) if prepare is not None else []
    logs.setup(settings.log_level)
    logs.set_user_ref_key(settings.line.channel_secret)
    # The database writer thread needs the GIL back after each COMMIT's fsync; with the
    # default 5 ms switch interval it queues behind the busy event loop (a convoy), and the
    # webhooks waiting for that commit with it.
    sys.setswitchinterval(0.0005)
    # The danger detector in a process of its own: this one keeps its core for I/O.
    app = create_app(settings, demo_line=demo_line, detector_process=True, keyring=keyring)
    app.on_startup.append(_freeze_startup_heap)
    if after_start is not None:
        app.on_startup.append(after_start)  # after the workers: it goes through them
    for warning in app[keys.CHANNELS].warnings():
        print(f"tobira: warning: {warning}", file=sys.stderr)

    def announce(_: str) -> None:
        log.info("listening", extra={"host": settings.host, "port": port})
        if banner:
            from bot.cli.banner import demo_banner

            print(demo_banner(settings, port, DEMO_SECRET, prepared), file=sys.stderr)

    _serve_app(app, sockets, announce)
    lock.close()
    return 0


async def _freeze_startup_heap(_: web.Application) -> None:
    freeze_startup_heap()


def _serve_app(
    app: web.Application, sockets: list[socket.socket], announce: Callable[[str], None]
) -> None:
    web.run_app(
        app,
        sock=sockets,
        access_log=None,
        print=announce,
        handle_signals=True,
        shutdown_timeout=5,
        loop=_event_loop(),
    )


def _event_loop() -> asyncio.AbstractEventLoop:
    # uvloop where it exists (Linux, macOS): the same asyncio API at about a fifth less CPU
    # per reply in benchmarks/replies.py.
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _migrate(args: argparse.Namespace) -> int:
    from bot.app.database import open_database

    settings = _settings(args)

    async def run() -> None:
        db = await open_database(settings)
        await db.close()

    asyncio.run(run())
    print(json.dumps({"database": str(settings.database), "migrated": True}))
    return 0


def _backup(args: argparse.Namespace) -> int:
    from bot.app.database import open_database

    settings = _settings(args)

    async def run() -> None:
        db = await open_database(settings)
        try:
            await db.backup(args.path)
        finally:
            await db.close()

    asyncio.run(run())
    print(json.dumps({"database": str(settings.database), "backup": str(args.path)}))
    return 0


def _safety_eval(args: argparse.Namespace) -> int:
    from bot.safety import evaluate

    return evaluate.main([args.file, *(["--summary"] if args.summary else [])])


def _safety_train(args: argparse.Namespace) -> int:
    from bot.safety import training

    options = [*(["--out", args.out] if args.out else []), *(["--cv"] if args.cv else [])]
    return training.main([*args.files, *options])


def _flows_check(args: argparse.Namespace) -> int:
    from bot.app.channels import flow_limits
    from flows import check

    return check.main([str(args.path)] if args.path else [], flow_limits())


def _flows_graph(args: argparse.Namespace) -> int:
    from bot.app.channels import flow_limits
    from bot.conversation.flow_loading import load_configured_flows
    from flows.graph import to_mermaid

    settings = _settings(args)
    flowset = load_configured_flows(settings, flow_limits(settings))
    try:
        print(to_mermaid(flowset, args.name))
    except KeyError:
        names = ", ".join(sorted(flowset.flows))
        print(f"tobira: no flow named {args.name!r}. Flows: {names}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
