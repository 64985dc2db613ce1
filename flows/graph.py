"""`tobira flows graph NAME`: one flow as a Mermaid flowchart, so staff can see its shape."""

from __future__ import annotations

from flows.model import FlowSet, Step, Target


def _node_id(flow: str, target: Target) -> str:
    # Prefixed, because Mermaid treats words such as "end" as keywords.
    return f"s_{target.step}" if target.flow == flow else f"flow_{target.flow}"


def _quote(text: str) -> str:
    # Labels sit inside "..."; Mermaid reads #quot; as a double quote and <br/> as a new line.
    return text.replace('"', "#quot;").replace("\n", "<br/>")


def _node(step: Step) -> str:
    """The step's node with a shape per kind: a diamond asks, a subroutine hands off."""
    if step.kind == "ask":
        detail = step.question.ja if step.question else ""
        opening, closing = "{", "}"
    elif step.kind == "handoff":
        detail, opening, closing = f"相談員へ: {step.topic}", "[[", "]]"
    elif step.kind == "end":
        detail, opening, closing = "おわり", "([", "])"
    elif step.kind == "branch":
        detail, opening, closing = f"{step.branch_on} で分かれる", "{{", "}}"
    else:
        detail = step.say.ja.splitlines()[0] if step.say else ""
        opening, closing = "[", "]"
    label = _quote(f"{step.name}\n{detail}")
    return f's_{step.name}{opening}"{label}"{closing}'


def _edges(step: Step) -> list[tuple[str, Target | None]]:
    found: list[tuple[str, Target | None]] = [(c.label.ja, c.next) for c in step.choices]
    if step.kind == "ask":
        skip = step.skip_label.ja if step.skip_label else "答えたくない/スキップ"
        found += [(skip, step.skip), ("自由に書いた", step.other)]
    found += [(f"{step.branch_on} = {value}", t) for value, t in step.cases.items()]
    if step.kind == "branch":
        found.append(("それ以外", step.otherwise))
    if step.kind == "say":
        found.append(("", step.next))
    return found


def to_mermaid(flowset: FlowSet, name: str) -> str:
    """A `flowchart TD` for the flow `name` (KeyError if there is none)."""
    flow = flowset.flows[name]
    lines = ["flowchart TD", f'    flow_start(("{_quote(name)}")) --> s_{flow.start}']
    if flow.on_follow:
        lines.append(f'    flow_start -->|"友だち追加"| s_{flow.on_follow}')
    if flow.on_return:
        lines.append(f'    flow_again(("終わってすぐ、また書いた")) --> s_{flow.on_return}')
    others: set[str] = set()
    edges: list[str] = []
    for step in flow.steps.values():
        lines.append(f"    {_node(step)}")
        for label, target in _edges(step):
            if target is None:
                continue
            if target.flow != name:
                others.add(target.flow)
            arrow = f' -->|"{_quote(label)}"| ' if label else " --> "
            edges.append(f"    s_{step.name}{arrow}{_node_id(name, target)}")
    for other in sorted(others):
        lines.append(f'    flow_{other}[/"{_quote("flow: " + other)}"/]')
    return "\n".join(lines + edges) + "\n"
