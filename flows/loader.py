"""Read flows/*.yaml into a FlowSet, or explain every problem with file, line and what to change.

We read the YAML node tree (yaml.compose) rather than plain values, because nodes keep their line
numbers and let us see duplicate keys, which PyYAML's ordinary loading silently overwrites.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flows.limits import NO_LIMITS, FlowLimits
from flows.model import (
    ACTIONS,
    COMMON_TEXTS,
    ENTRY_FLOW,
    ChoiceDef,
    Common,
    Flow,
    FlowSet,
    Step,
    Target,
    Text,
    choice_data,
)
from flows.text import fill, normalize, placeholders, utf16_units

SHIPPED_DIR = Path(__file__).parent
COMMON_FILE = "common.yaml"
LANGUAGES = ("ja", "en")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Choice ids may start with a digit ("20s"); none may start with '_' (kept for skip, language).
CHOICE_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
FLOW_TARGET = "flow:"

# First contact's own top-level settings (see flows/model.py Flow).
ENTRY_SETTINGS = ("on_follow", "on_return")
STEP_SETTINGS = {
    "say",
    "ask",
    "key",
    "summary",
    "choices",
    "next",
    "skip",
    "other",
    "skip_label",
    "offer_language",
    "branch",
    "handoff",
    "end",
}
KINDS = ("ask", "branch", "handoff", "end")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        # Line 0: about the file (or folder) as a whole, not one of its lines.
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class FlowError(Exception):
    """The flows cannot be used; problems lists every mistake found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_flows(
    directory: Path | str | None = None,
    variables: Mapping[str, str] | None = None,
    limits: FlowLimits = NO_LIMITS,
) -> FlowSet:
    """Load and check flows; configuration values fill placeholders such as {opening_hours};
    every message must fit `limits` (the registered channels' strictest)."""
    flowset, problems = load_with_problems(
        directory, variables or {}, require_values=True, limits=limits
    )
    if problems or flowset is None:
        raise FlowError(problems)
    return flowset


def load_with_problems(
    path: Path | str | None = None,
    variables: Mapping[str, str] | None = None,
    *,
    require_values: bool = False,
    limits: FlowLimits = NO_LIMITS,
) -> tuple[FlowSet | None, list[Problem]]:
    """A directory of flows, or one flow file checked alone against the shipped common.yaml."""
    path = Path(path) if path is not None else SHIPPED_DIR
    if path.is_dir():
        files = sorted(p for p in path.glob("*.yaml") if p.name != COMMON_FILE)
        common_file = path / COMMON_FILE
        if not common_file.exists():
            common_file = SHIPPED_DIR / COMMON_FILE
        need_entry = True
    elif path.is_file():
        files, common_file, need_entry = [path], SHIPPED_DIR / COMMON_FILE, False
    else:
        return None, [Problem(str(path), 0, "no such file or folder")]
    builder = _Builder(dict(variables or {}), require_values, limits)
    builder.read_common(common_file)
    for file in files:
        builder.read_flow_file(file)
    flowset = builder.build(need_entry)
    return (None if builder.problems else flowset), builder.problems


# ---------------------------------------------------------------- reading nodes


class _Reader:
    """Typed access to one file's node tree, turning every surprise into a Problem."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self.had_duplicates = False  # then "never reached" would only repeat the same mistake

    def problem(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        self.problems.append(Problem(self.file, line, message))

    def parse(self, path: Path) -> Node | None:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(0, f"cannot read the file ({exc.__class__.__name__}): save it as UTF-8")
            return None
        try:
            return yaml.compose(source, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            what = exc.problem or exc.context or "unreadable"
            self.problem(line, f"YAML syntax: {what}; check indentation, colons and quotes here")
        except yaml.YAMLError as exc:
            self.problem(0, f"YAML syntax: {exc}")
        return None

    def mapping(self, node: Node, what: str) -> dict[str, tuple[ScalarNode, Node]] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} should be a set of 'name: value' lines")
            return None
        found: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(key, f"a name in {what} must be plain text")
                continue
            if key.value in found:
                self.had_duplicates = True
                first = found[key.value][0].start_mark.line + 1
                self.problem(
                    key,
                    f"'{key.value}' appears twice in {what} (first on line {first}):"
                    " keep one and delete or rename the other",
                )
                continue
            found[key.value] = (key, value)
        return found

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} should be a list (lines starting with '- ')")
            return None
        return list(node.value)

    def scalar(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} should be a single value, not a list or a block")
            return None
        if node.tag.endswith(":null"):
            self.problem(node, f"{what} is empty: write a value after the colon")
            return None
        return str(node.value)

    def name(self, node: Node, what: str, pattern: re.Pattern[str] = NAME) -> str | None:
        value = self.scalar(node, what)
        if value is not None and not pattern.match(value):
            first = "a letter" if pattern is NAME else "a letter or digit"
            self.problem(
                node, f"{what} '{value}' should use only a-z, 0-9 and '_', starting with {first}"
            )
            return None
        return value

    def flag(self, node: Node, what: str) -> bool:
        if isinstance(node, ScalarNode) and node.tag.endswith(":bool"):
            return node.value.lower() in ("true", "yes", "on")
        self.problem(node, f"{what} should be true or false")
        return False


# ---------------------------------------------------------------- building the set


@dataclass
class _RawFlow:
    reader: _Reader
    name: str
    topic: str
    start: str
    start_node: Node | None
    steps: dict[str, tuple[ScalarNode, Node]]
    entry_nodes: dict[str, Node] = field(default_factory=dict)  # on_follow, on_return
    built: dict[str, Step] = field(default_factory=dict)
    entry_steps: dict[str, str] = field(default_factory=dict)  # the checked ones

    def roots(self) -> list[str]:
        """Where a conversation can enter this flow."""
        return [self.start, *self.entry_steps.values()]


@dataclass
class _Builder:
    variables: dict[str, str]
    require_values: bool
    limits: FlowLimits
    problems: list[Problem] = field(default_factory=list)
    common: Common | None = None
    raw: dict[str, _RawFlow] = field(default_factory=dict)
    _config_names: set[str] = field(default_factory=set)
    _state_names: set[str] = field(default_factory=set)
    _defaults: dict[str, str | None] = field(default_factory=dict)
    _reported_missing: set[str] = field(default_factory=set)
    _broken_links: set[str] = field(default_factory=set)  # flows with a target that failed

    # -- texts and placeholders

    def text(self, r: _Reader, node: Node, what: str) -> Text | None:
        """A {ja: ..., en: ...} text, placeholders checked and configuration values filled in."""
        entries = r.mapping(node, what)
        if entries is None:
            return None
        for lang, (key, _value) in entries.items():
            if lang not in LANGUAGES:
                r.problem(key, f"unknown language '{lang}' in {what}: use ja (required) or en")
        if "ja" not in entries:
            r.problem(
                node,
                f"{what} has no 'ja:' text: add the Japanese text (English is"
                " optional and falls back to Japanese)",
            )
            return None
        filled: dict[str, str] = {}
        for lang in LANGUAGES:
            if lang not in entries:
                continue
            value_node = entries[lang][1]
            raw = r.scalar(value_node, f"the {lang} text of {what}")
            if raw is None:
                continue
            filled[lang] = self._fill(r, value_node, raw, lang)
            most = self.limits.text_units
            if most is not None and utf16_units(filled[lang]) > most.most:
                r.problem(
                    value_node,
                    f"the {lang} text of {what} is too long for {most.channel}"
                    f" ({most.most} units at most): shorten it",
                )
        if "ja" not in filled:
            return None
        return Text(filled["ja"], filled.get("en"))

    def _fill(self, r: _Reader, node: Node, raw: str, lang: str) -> str:
        known = self._config_names | self._state_names
        values: dict[str, str] = {}
        for name in placeholders(raw):
            if name not in known:
                hint = ", ".join("{" + n + "}" for n in sorted(known))
                r.problem(
                    node,
                    f"unknown placeholder {{{name}}}: use one of {hint},"
                    " or add it under 'variables:' in common.yaml",
                )
                continue
            if name in self._state_names:
                continue  # filled per conversation by the engine
            value = self.variables.get(f"{name}_{lang}") if lang != "ja" else None
            value = value or self.variables.get(name) or self._defaults.get(name)
            if value is None:
                if self.require_values and name not in self._reported_missing:
                    self._reported_missing.add(name)
                    r.problem(
                        node,
                        f"placeholder {{{name}}} has no value: set '{name}' in the configuration",
                    )
                value = "{" + name + "}"
            values[name] = value
        return fill(raw, values)

    # -- common.yaml

    def read_common(self, path: Path) -> None:
        r = _Reader(str(path), self.problems)
        root = r.parse(path)
        if root is None:
            return
        top = r.mapping(root, "common.yaml")
        if top is None:
            return
        for key, (key_node, _) in top.items():
            allowed = (
                "words",
                "texts",
                "variables",
                "state_variables",
                "topics",
                "welcome_back_after_hours",
                "return_within_hours",
                "language_label",
            )
            if key not in allowed:
                r.problem(
                    key_node,
                    f"unknown setting '{key}' in common.yaml: use one of {', '.join(allowed)}",
                )
        # Placeholder names first: every text below may use them.
        for section, target in (
            ("variables", self._config_names),
            ("state_variables", self._state_names),
        ):
            if section in top:
                for name, (key_node, _) in (r.mapping(top[section][1], section) or {}).items():
                    if NAME.match(name):
                        target.add(name)
                    else:
                        r.problem(key_node, f"placeholder name '{name}' should use a-z, 0-9, _")
        for name, (_, value_node) in self._section(r, top, "variables").items():
            is_null = isinstance(value_node, ScalarNode) and value_node.tag.endswith(":null")
            self._defaults[name] = None if is_null else r.scalar(value_node, f"variable {name}")
        state_defaults = {}
        for name, (_, value_node) in self._section(r, top, "state_variables").items():
            state_defaults[name] = self.text(r, value_node, f"the default of {{{name}}}")
        texts: dict[str, Text] = {}
        for name, (_, value_node) in self._section(r, top, "texts").items():
            text = self.text(r, value_node, f"text '{name}'")
            if text is not None:
                texts[name] = text
        texts_line: Node = top["texts"][0] if "texts" in top else root
        for name in COMMON_TEXTS:
            if name not in texts:
                r.problem(texts_line, f"texts has no '{name}': add it with a ja text")
        if "skip_label" in texts:
            self._check_label(r, top["texts"][1], texts["skip_label"], "the skip label")
        words = self._words(r, top)
        topics = {
            k: r.scalar(v, f"topic {k}") or k
            for k, (_, v) in self._section(r, top, "topics").items()
        }
        hours = self._hours(r, top, "welcome_back_after_hours")
        return_hours = self._hours(r, top, "return_within_hours")
        language_label = Text("English", "日本語")
        if "language_label" in top:
            node = top["language_label"][1]
            language_label = self.text(r, node, "language_label") or language_label
            self._check_label(r, node, language_label, "language_label")
        self.common = Common(
            words=words,
            texts=texts,
            variables=dict(self._defaults),
            state_variables={k: v for k, v in state_defaults.items() if v is not None},
            topics=topics,
            welcome_back_after_hours=hours,
            language_label=language_label,
            return_within_hours=return_hours,
        )

    def _hours(
        self, r: _Reader, top: dict[str, tuple[ScalarNode, Node]], name: str, default: float = 24.0
    ) -> float:
        if name not in top:
            return default
        node = top[name][1]
        try:
            return float(r.scalar(node, name) or default)
        except ValueError:
            r.problem(node, f"{name} should be a number of hours")
            return default

    def _section(
        self, r: _Reader, top: dict[str, tuple[ScalarNode, Node]], name: str
    ) -> dict[str, tuple[ScalarNode, Node]]:
        if name not in top:
            return {}
        return r.mapping(top[name][1], name) or {}

    def _words(self, r: _Reader, top: dict[str, tuple[ScalarNode, Node]]) -> dict[str, str]:
        words: dict[str, str] = {}
        for action, (key_node, value_node) in self._section(r, top, "words").items():
            if action not in ACTIONS:
                r.problem(key_node, f"unknown word action '{action}': use {', '.join(ACTIONS)}")
                continue
            for lang, (_, list_node) in (r.mapping(value_node, f"words {action}") or {}).items():
                for item in r.sequence(list_node, f"words {action} {lang}") or []:
                    word = r.scalar(item, "a word")
                    if word is None:
                        continue
                    key = normalize(word)
                    if key in words and words[key] != action:
                        r.problem(
                            item,
                            f"'{word}' is already a word for '{words[key]}':"
                            " one word can do only one thing",
                        )
                    words[key] = action
        return words

    def _check_label(self, r: _Reader, node: Node, label: Text, what: str) -> None:
        most = self.limits.label_chars
        for lang, value in (("ja", label.ja), ("en", label.en)):
            if most is not None and value is not None and len(value) > most.most:
                r.problem(
                    node,
                    f"{what} '{value}' ({lang}) has {len(value)} characters; {most.channel}"
                    f" buttons show at most {most.most}: shorten it",
                )

    # -- flow files, first pass: names, starts and step nodes

    def read_flow_file(self, path: Path) -> None:
        r = _Reader(str(path), self.problems)
        root = r.parse(path)
        if root is None:
            return
        top = r.mapping(root, "the flow file")
        if top is None:
            return
        for key, (key_node, _) in top.items():
            if key not in ("flow", "topic", "start", "steps", *ENTRY_SETTINGS):
                r.problem(
                    key_node,
                    f"unknown setting '{key}' at the top of the file: use flow,"
                    " topic, start and steps (first_contact also on_follow, on_return)",
                )
        if "flow" not in top:
            r.problem(root, "this file has no 'flow:' name: add 'flow: some_name' at the top")
            return
        name = r.name(top["flow"][1], "the flow name")
        if name is None:
            return
        if name in self.raw:
            r.problem(
                top["flow"][1],
                f"another file ({self.raw[name].reader.file}) is already"
                f" the flow '{name}': rename one of them",
            )
            return
        topic = "general"
        if "topic" in top:
            topic = r.name(top["topic"][1], "the topic") or topic
        if "steps" not in top:
            r.problem(root, "this flow has no 'steps:': add at least one step")
            return
        steps = r.mapping(top["steps"][1], "steps") or {}
        if not steps:
            return
        start_node = top["start"][1] if "start" in top else None
        start = next(iter(steps))
        if start_node is not None:
            start = r.scalar(start_node, "start") or start
        for step_name, (key_node, _) in steps.items():
            if not NAME.match(step_name):
                r.problem(
                    key_node,
                    f"step name '{step_name}' should use only a-z, 0-9 and '_',"
                    " starting with a letter",
                )
        entry_nodes = {k: top[k][1] for k in ENTRY_SETTINGS if k in top}
        for key, node in entry_nodes.items():
            if name != ENTRY_FLOW:
                r.problem(node, f"'{key}' belongs in the {ENTRY_FLOW} flow only: delete it here")
        self.raw[name] = _RawFlow(r, name, topic, start, start_node, steps, entry_nodes)

    # -- second pass: steps, targets, checks

    def build(self, need_entry: bool) -> FlowSet | None:
        for flow in self.raw.values():
            if flow.start not in flow.steps and flow.start_node is not None:
                self._unknown_target(flow, flow.start_node, flow.start)
            for step_name, (key_node, node) in flow.steps.items():
                step = self._step(flow, step_name, key_node, node)
                if step is None:
                    self._broken_links.add(flow.name)
                else:
                    flow.built[step_name] = step
        if need_entry and ENTRY_FLOW not in self.raw and self.raw:
            first = next(iter(self.raw.values()))
            first.reader.problem(
                0,
                f"no flow is named '{ENTRY_FLOW}': the first message needs"
                " it (add 'flow: first_contact' to one file)",
            )
        for flow in self.raw.values():
            self._check_entry_steps(flow)
            self._check_reachable(flow)
        self._check_loops()
        if self.common is None:
            return None
        flows = {
            name: Flow(
                name,
                raw.topic,
                raw.start,
                raw.built,
                on_follow=raw.entry_steps.get("on_follow"),
                on_return=raw.entry_steps.get("on_return"),
            )
            for name, raw in self.raw.items()
        }
        return FlowSet(flows=flows, common=self.common, answer_labels=self._answer_labels())

    def _step(self, flow: _RawFlow, name: str, key_node: ScalarNode, node: Node) -> Step | None:
        r = flow.reader
        where = f"step '{name}'"
        s = r.mapping(node, where)
        if s is None:
            return None
        for setting, (k, _) in s.items():
            if setting not in STEP_SETTINGS:
                close = difflib.get_close_matches(setting, STEP_SETTINGS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                r.problem(k, f"unknown setting '{setting}' in {where}{hint}")
        kinds = [k for k in KINDS if k in s]
        if len(kinds) > 1:
            r.problem(
                key_node,
                f"{where} has both '{kinds[0]}' and '{kinds[1]}': a step does"
                " one of ask, branch, handoff or end",
            )
            return None
        kind = kinds[0] if kinds else "say"
        say = self.text(r, s["say"][1], f"'say' of {where}") if "say" in s else None

        def target(setting: str) -> Target | None:
            return self._target(flow, s[setting][1]) if setting in s else None

        if kind == "say":
            if "say" not in s:
                r.problem(
                    key_node, f"{where} does nothing: give it say, ask, branch, handoff or end"
                )
                return None
            if "next" not in s:
                r.problem(
                    key_node,
                    f"{where} has no 'next:': say which step comes after it (or add 'end: true')",
                )
                return None
            return Step(name, "say", say=say, next=target("next"))
        if kind == "end":
            r.flag(s["end"][1], "end")
            return Step(name, "end", say=say)
        if kind == "handoff":
            topic = r.name(s["handoff"][1], "the handoff topic") or "general"
            return Step(name, "handoff", say=say, topic=topic)
        if kind == "branch":
            return self._branch(flow, name, s, say)
        return self._ask(flow, name, key_node, s, say)

    def _branch(
        self, flow: _RawFlow, name: str, s: dict[str, tuple[ScalarNode, Node]], say: Text | None
    ) -> Step | None:
        r = flow.reader
        b = r.mapping(s["branch"][1], f"the branch of step '{name}'")
        if b is None:
            return None
        if "on" not in b or "otherwise" not in b:
            r.problem(
                s["branch"][0],
                f"the branch of step '{name}' needs 'on:' (an answer key)"
                " and 'otherwise:' (where to go when no case matches)",
            )
            return None
        cases = {}
        case_nodes = r.mapping(b["cases"][1], "cases") if "cases" in b else {}
        for value, (_, tnode) in (case_nodes or {}).items():
            found = self._target(flow, tnode)
            if found is not None:
                cases[value] = found
        return Step(
            name,
            "branch",
            say=say,
            branch_on=r.scalar(b["on"][1], "on"),
            cases=cases,
            otherwise=self._target(flow, b["otherwise"][1]),
        )

    def _ask(
        self,
        flow: _RawFlow,
        name: str,
        key_node: ScalarNode,
        s: dict[str, tuple[ScalarNode, Node]],
        say: Text | None,
    ) -> Step | None:
        r = flow.reader
        where = f"step '{name}'"
        question = self.text(r, s["ask"][1], f"the question of {where}")
        if "key" not in s:
            r.problem(
                key_node,
                f"{where} asks a question but has no 'key:': name where the"
                " answer is kept, e.g. 'key: relationship'",
            )
            return None
        key = r.name(s["key"][1], "the answer key")
        default_next = self._target(flow, s["next"][1]) if "next" in s else None
        skip = self._target(flow, s["skip"][1]) if "skip" in s else default_next
        other = self._target(flow, s["other"][1]) if "other" in s else skip
        if skip is None and "skip" not in s and "next" not in s:
            r.problem(
                key_node,
                f"{where} has no 'next:' or 'skip:': say where to go when the question is skipped",
            )
        choices: list[ChoiceDef] = []
        seen: dict[str, Node] = {}
        choice_nodes = (
            r.sequence(s["choices"][1], f"the choices of {where}") if ("choices" in s) else []
        )
        for item in choice_nodes or []:
            c = r.mapping(item, f"a choice of {where}")
            if c is None:
                continue
            for setting, (k, _) in c.items():
                if setting not in ("id", "label", "next"):
                    r.problem(k, f"unknown setting '{setting}' in a choice: use id, label, next")
            if "id" not in c or "label" not in c:
                r.problem(item, f"a choice of {where} needs 'id:' and 'label:'")
                continue
            cid = r.name(c["id"][1], "the choice id", CHOICE_ID)
            if cid is None:
                continue
            if cid in seen:
                r.problem(
                    c["id"][1],
                    f"choice id '{cid}' is used twice in {where}"
                    f" (first on line {seen[cid].start_mark.line + 1})",
                )
                continue
            seen[cid] = c["id"][1]
            label = self.text(r, c["label"][1], f"the label of choice '{cid}'")
            if label is not None:
                self._check_label(r, c["label"][1], label, f"the label of choice '{cid}'")
            nxt = self._target(flow, c["next"][1]) if "next" in c else default_next
            if "next" not in c and "next" not in s:
                r.problem(
                    item,
                    f"choice '{cid}' has no 'next:' and {where} has no default"
                    " 'next:': say where this answer leads",
                )
            data = choice_data(flow.name, name, cid)
            most = self.limits.data_chars
            if most is not None and len(data) > most.most:
                r.problem(
                    c["id"][1],
                    f"the button data '{data[:40]}…' is {len(data)} characters"
                    f" ({most.channel} allows {most.most}): shorten the step or"
                    " choice name",
                )
            if label is not None and nxt is not None:
                choices.append(ChoiceDef(cid, label, nxt))
        skip_label = None
        if "skip_label" in s:
            skip_label = self.text(r, s["skip_label"][1], f"the skip_label of {where}")
            if skip_label is not None:
                self._check_label(r, s["skip_label"][1], skip_label, "skip_label")
        offer = r.flag(s["offer_language"][1], "offer_language") if "offer_language" in s else False
        buttons = len(choice_nodes or []) + 1 + int(offer)
        most = self.limits.choices
        if most is not None and buttons > most.most:
            r.problem(
                s["choices"][0],
                f"{where} would show {buttons} buttons (its choices plus"
                f" the skip button); {most.channel} shows at most {most.most}:"
                " remove some choices",
            )
        summary = r.scalar(s["summary"][1], "summary") if "summary" in s else None
        return Step(
            name,
            "ask",
            say=say,
            question=question,
            key=key,
            summary=summary,
            choices=tuple(choices),
            skip=skip,
            other=other,
            skip_label=skip_label,
            offer_language=offer,
            next=default_next,
        )

    def _target(self, flow: _RawFlow, node: Node) -> Target | None:
        r = flow.reader
        value = r.scalar(node, "a target")
        if value is None:
            return None
        if value.startswith(FLOW_TARGET):
            other = value[len(FLOW_TARGET) :].strip()
            if other in self.raw:
                return Target(other, self.raw[other].start)
            close = difflib.get_close_matches(other, list(self.raw), n=1)
            hint = f" (did you mean 'flow:{close[0]}'?)" if close else ""
            r.problem(node, f"there is no flow named '{other}'{hint}: check the spelling")
            self._broken_links.add(flow.name)
            return None
        if value in flow.steps:
            return Target(flow.name, value)
        self._unknown_target(flow, node, value)
        return None

    def _unknown_target(self, flow: _RawFlow, node: Node, value: str) -> None:
        self._broken_links.add(flow.name)
        close = difflib.get_close_matches(value, list(flow.steps), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        flow.reader.problem(
            node,
            f"there is no step '{value}' in flow '{flow.name}'{hint}:"
            " write an existing step name, or 'flow:NAME' for another flow",
        )

    # -- whole-set checks

    def _check_entry_steps(self, flow: _RawFlow) -> None:
        if flow.name != ENTRY_FLOW:
            return
        r = flow.reader
        for key, node in flow.entry_nodes.items():
            value = r.scalar(node, key)
            if value is None:
                continue
            if value not in flow.steps:
                self._unknown_target(flow, node, value)
                continue
            step = flow.built.get(value)
            if key == "on_return" and step is not None and step.kind != "ask":
                r.problem(
                    node,
                    f"on_return '{value}' is not a question: name a step with 'ask:', whose"
                    " buttons are the way back in",
                )
                continue
            if key == "on_return" and self.common is not None and "again" not in self.common.texts:
                r.problem(
                    node,
                    "on_return needs a text 'again' in common.yaml (what the person reads"
                    " above the buttons): add it under texts:",
                )
                continue
            flow.entry_steps[key] = value

    def _check_reachable(self, flow: _RawFlow) -> None:
        if (
            flow.start not in flow.built
            or flow.name in self._broken_links
            or flow.reader.had_duplicates
        ):
            return  # a broken link already explains why steps look unreachable
        seen = {root for root in flow.roots() if root in flow.built}
        todo = list(seen)
        while todo:
            for t in _targets(flow.built[todo.pop()]):
                if t.flow == flow.name and t.step not in seen and t.step in flow.built:
                    seen.add(t.step)
                    todo.append(t.step)
        for name, (key_node, _) in flow.steps.items():
            if name in flow.built and name not in seen:
                flow.reader.problem(
                    key_node,
                    f"step '{name}' is never reached: point a"
                    " 'next:' (or a choice) at it, or delete it",
                )

    def _check_loops(self) -> None:
        """A path of say/branch steps that comes back to itself would never wait for the person."""

        def passes(t: Target) -> Step | None:
            flow = self.raw.get(t.flow)
            step = flow.built.get(t.step) if flow else None
            return step if step is not None and step.kind in ("say", "branch") else None

        state: dict[Target, int] = {}  # 1 = on the current path, 2 = done

        def visit(t: Target) -> bool:
            state[t] = 1
            step = passes(t)
            for nxt in _targets(step) if step else []:
                if state.get(nxt) == 1:
                    raw = self.raw[t.flow]
                    raw.reader.problem(
                        raw.steps[t.step][0],
                        f"step '{t.step}' leads back to"
                        f" '{nxt.step}' without asking anything: the bot would"
                        " talk forever; add a question or an end",
                    )
                    return True
                if nxt not in state and passes(nxt) and visit(nxt):
                    return True
            state[t] = 2
            return False

        for flow in self.raw.values():
            for name, step in flow.built.items():
                t = Target(flow.name, name)
                if step.kind in ("say", "branch") and t not in state:
                    visit(t)

    def _answer_labels(self) -> dict[str, tuple[str, dict[str, str]]]:
        labels: dict[str, tuple[str, dict[str, str]]] = {}
        for flow in self.raw.values():
            for step in flow.built.values():
                if step.kind != "ask" or step.key is None:
                    continue
                name, known = labels.get(step.key, (step.summary or step.key, {}))
                known = {**known, **{c.id: c.label.ja for c in step.choices}}
                labels[step.key] = (step.summary or name, known)
        return labels


def _targets(step: Step) -> list[Target]:
    found = [step.next, step.skip, step.other, step.otherwise]
    found += [c.next for c in step.choices] + list(step.cases.values())
    return [t for t in found if t is not None]
