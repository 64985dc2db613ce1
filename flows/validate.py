"""Checks over the whole set, once every step is built: entry steps, steps never reached,
loops that never wait for the person; and what staff read of the answers."""

from __future__ import annotations

from flows.model import ENTRY_FLOW, Common, Step, Target
from flows.parse_flow import RawFlow, unknown_target


def check_entry_steps(flow: RawFlow, common: Common | None, broken_links: set[str]) -> None:
    """first_contact's on_follow and on_return name steps that exist, on_return a question."""
    if flow.name != ENTRY_FLOW:
        return
    r = flow.reader
    for key, node in flow.entry_nodes.items():
        value = r.scalar(node, key)
        if value is None:
            continue
        if value not in flow.steps:
            unknown_target(flow, node, value, broken_links)
            continue
        step = flow.built.get(value)
        if key == "on_return" and step is not None and step.kind != "ask":
            r.problem(
                node,
                f"on_return '{value}' is not a question: name a step with 'ask:', whose"
                " buttons are the way back in",
            )
            continue
        if key == "on_return" and common is not None and "again" not in common.texts:
            r.problem(
                node,
                "on_return needs a text 'again' in common.yaml (what the person reads"
                " above the buttons): add it under texts:",
            )
            continue
        flow.entry_steps[key] = value


def check_reachable(flow: RawFlow, broken_links: set[str]) -> None:
    if flow.start not in flow.built or flow.name in broken_links or flow.reader.had_duplicates:
        return  # a broken link already explains why steps look unreachable
    seen = {root for root in flow.roots() if root in flow.built}
    todo = list(seen)
    while todo:
        for t in targets(flow.built[todo.pop()]):
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


def check_loops(raws: dict[str, RawFlow]) -> None:
    """A path of say/branch steps that comes back to itself would never wait for the person."""

    def passes(t: Target) -> Step | None:
        flow = raws.get(t.flow)
        step = flow.built.get(t.step) if flow else None
        return step if step is not None and step.kind in ("say", "branch") else None

    state: dict[Target, int] = {}  # 1 = on the current path, 2 = done

    def visit(t: Target) -> bool:
        state[t] = 1
        step = passes(t)
        for nxt in targets(step) if step else []:
            if state.get(nxt) == 1:
                raw = raws[t.flow]
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

    for flow in raws.values():
        for name, step in flow.built.items():
            t = Target(flow.name, name)
            if step.kind in ("say", "branch") and t not in state:
                visit(t)


def answer_labels(raws: dict[str, RawFlow]) -> dict[str, tuple[str, dict[str, str]]]:
    """Per answer key, its name for staff and its choices' labels."""
    labels: dict[str, tuple[str, dict[str, str]]] = {}
    for flow in raws.values():
        for step in flow.built.values():
            if step.kind != "ask" or step.key is None:
                continue
            name, known = labels.get(step.key, (step.summary or step.key, {}))
            known = {**known, **{c.id: c.label.ja for c in step.choices}}
            labels[step.key] = (step.summary or name, known)
    return labels


def targets(step: Step) -> list[Target]:
    found = [step.next, step.skip, step.other, step.otherwise]
    found += [c.next for c in step.choices] + list(step.cases.values())
    return [t for t in found if t is not None]
