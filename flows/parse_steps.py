"""A flow's second pass: each step's node built into a Step, its targets resolved."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from yaml.nodes import Node, ScalarNode

from flows.model import ChoiceDef, Step, Target, Text, choice_data
from flows.nodes import CHOICE_ID, Entries
from flows.parse_flow import RawFlow, unknown_target
from flows.texts import Texts

FLOW_TARGET = "flow:"
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


@dataclass
class StepParser:
    raw: dict[str, RawFlow]
    texts: Texts
    broken_links: set[str]  # flows with a target that failed

    def step(self, flow: RawFlow, name: str, key_node: ScalarNode, node: Node) -> Step | None:
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
        say = self.texts.text(r, s["say"][1], f"'say' of {where}") if "say" in s else None

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

    def _branch(self, flow: RawFlow, name: str, s: Entries, say: Text | None) -> Step | None:
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
        self, flow: RawFlow, name: str, key_node: ScalarNode, s: Entries, say: Text | None
    ) -> Step | None:
        r = flow.reader
        where = f"step '{name}'"
        question = self.texts.text(r, s["ask"][1], f"the question of {where}")
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
        choice_nodes = (
            r.sequence(s["choices"][1], f"the choices of {where}") if ("choices" in s) else []
        ) or []
        choices = self._choices(flow, name, s, choice_nodes, default_next)
        skip_label = None
        if "skip_label" in s:
            skip_label = self.texts.text(r, s["skip_label"][1], f"the skip_label of {where}")
            if skip_label is not None:
                self.texts.check_label(r, s["skip_label"][1], skip_label, "skip_label")
        offer = r.flag(s["offer_language"][1], "offer_language") if "offer_language" in s else False
        self._check_buttons(flow, where, s, len(choice_nodes) + 1 + int(offer))
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

    def _choices(
        self,
        flow: RawFlow,
        name: str,
        s: Entries,
        choice_nodes: list[Node],
        default_next: Target | None,
    ) -> list[ChoiceDef]:
        choices: list[ChoiceDef] = []
        seen: dict[str, Node] = {}
        for item in choice_nodes:
            choice = self._choice(flow, name, s, item, default_next, seen)
            if choice is not None:
                choices.append(choice)
        return choices

    def _choice(
        self,
        flow: RawFlow,
        name: str,
        s: Entries,
        item: Node,
        default_next: Target | None,
        seen: dict[str, Node],
    ) -> ChoiceDef | None:
        r = flow.reader
        where = f"step '{name}'"
        c = r.mapping(item, f"a choice of {where}")
        if c is None:
            return None
        for setting, (k, _) in c.items():
            if setting not in ("id", "label", "next"):
                r.problem(k, f"unknown setting '{setting}' in a choice: use id, label, next")
        if "id" not in c or "label" not in c:
            r.problem(item, f"a choice of {where} needs 'id:' and 'label:'")
            return None
        cid = r.name(c["id"][1], "the choice id", CHOICE_ID)
        if cid is None:
            return None
        if cid in seen:
            r.problem(
                c["id"][1],
                f"choice id '{cid}' is used twice in {where}"
                f" (first on line {seen[cid].start_mark.line + 1})",
            )
            return None
        seen[cid] = c["id"][1]
        label = self.texts.text(r, c["label"][1], f"the label of choice '{cid}'")
        if label is not None:
            self.texts.check_label(r, c["label"][1], label, f"the label of choice '{cid}'")
        nxt = self._target(flow, c["next"][1]) if "next" in c else default_next
        if "next" not in c and "next" not in s:
            r.problem(
                item,
                f"choice '{cid}' has no 'next:' and {where} has no default"
                " 'next:': say where this answer leads",
            )
        self._check_data(flow, c["id"][1], choice_data(flow.name, name, cid))
        if label is None or nxt is None:
            return None
        return ChoiceDef(cid, label, nxt)

    def _check_data(self, flow: RawFlow, node: Node, data: str) -> None:
        most = self.texts.limits.data_chars
        if most is not None and len(data) > most.most:
            flow.reader.problem(
                node,
                f"the button data '{data[:40]}…' is {len(data)} characters"
                f" ({most.channel} allows {most.most}): shorten the step or"
                " choice name",
            )

    def _check_buttons(self, flow: RawFlow, where: str, s: Entries, buttons: int) -> None:
        most = self.texts.limits.choices
        if most is not None and buttons > most.most:
            flow.reader.problem(
                s["choices"][0],
                f"{where} would show {buttons} buttons (its choices plus"
                f" the skip button); {most.channel} shows at most {most.most}:"
                " remove some choices",
            )

    def _target(self, flow: RawFlow, node: Node) -> Target | None:
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
            self.broken_links.add(flow.name)
            return None
        if value in flow.steps:
            return Target(flow.name, value)
        unknown_target(flow, node, value, self.broken_links)
        return None
