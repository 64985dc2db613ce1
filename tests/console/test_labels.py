"""Every value staff read is words: each stored kind and status, and each audit action, has a
label in Japanese and in English. The values are found in the code itself (the enums of
storage/statuses.py, every `action=` the code writes to the audit log), so a value added
anywhere later is checked too."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest

from staff_console.i18n import AUDIT_ACTIONS, LANGUAGES, enum_section, texts
from storage import statuses

ROOT = Path(__file__).resolve().parents[2]
CODE = ("bot", "staff_console", "storage")


def stored_enums() -> list[type[StrEnum]]:
    return [
        value
        for _, value in inspect.getmembers(statuses, inspect.isclass)
        if issubclass(value, StrEnum) and value is not StrEnum
    ]


def _strings(node: ast.expr | None) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def audit_actions() -> dict[str, str]:
    """Every audit action the code can write, with one file that writes it: the string given
    as `action=` to a call (argparse's add_argument aside), or as the default of a
    parameter named `action` (a caller may pass it through)."""
    found: dict[str, str] = {}
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                values: list[ast.expr | None] = []
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    if name != "add_argument":
                        values = [kw.value for kw in node.keywords if kw.arg == "action"]
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    args = node.args
                    positional = args.posonlyargs + args.args
                    with_default = positional[len(positional) - len(args.defaults) :]
                    pairs = list(zip(with_default, args.defaults, strict=True))
                    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
                    values = [default for arg, default in pairs if arg.arg == "action"]
                for value in values:
                    for action in _strings(value):
                        found.setdefault(action, where)
    return found


def test_the_code_is_searched_for_what_it_writes():
    # The discovery itself works: these are written today in three different packages.
    found = audit_actions()
    for action in ("view", "answer", "resolve", "sign_in", "leave_moved", "take_over"):
        assert action in found, action
    assert "store_true" not in found  # argparse is not the audit log
    enums = {e.__name__ for e in stored_enums()}
    assert {"ConversationStatus", "AlertKind", "OutboxStatus"} <= enums


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_stored_kind_and_status_has_a_label(language):
    words = texts(language)
    missing = [
        f"[{enum_section(e.__name__)}] {member.value}"
        for e in stored_enums()
        for member in e
        if not words.get(enum_section(e.__name__), {}).get(member.value, "").strip()
    ]
    assert not missing, f"{language}.toml lacks labels for: {', '.join(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_alert_kind_has_its_sentence_for_the_alert_bar(language):
    sentences = texts(language)["alerts"]
    missing = [kind.value for kind in statuses.AlertKind if kind.value not in sentences]
    assert not missing, f"{language}.toml [alerts] lacks: {', '.join(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_audit_action_the_code_writes_has_a_label(language):
    labels = texts(language)[AUDIT_ACTIONS]
    missing = [
        f"{action} ({where})"
        for action, where in sorted(audit_actions().items())
        if not labels.get(action, "").strip()
    ]
    assert not missing, f"{language}.toml [{AUDIT_ACTIONS}] lacks: {', '.join(missing)}"
