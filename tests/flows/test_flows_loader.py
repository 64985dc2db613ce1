"""Loading: the shipped flows check clean; each broken example is reported at its file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app.channels import flow_limits
from flows import FlowError, load_flows
from flows import check as flows_check
from flows.graph import to_mermaid
from flows.loader import Problem, load_with_problems


def check(path: Path | None = None) -> list[Problem]:
    # As `tobira flows check` does: against the registered channels' limits.
    return flows_check.check(path, flow_limits())


def main(argv: list[str]) -> int:
    return flows_check.main(argv, flow_limits())


BROKEN = Path(__file__).parent / "broken"
SHIPPED = Path(__file__).parents[2] / "flows"

# file -> words the one problem's message must contain
EXPECTED = {
    "unknown_target.yaml": "no step 'questoin'",
    "duplicate_key.yaml": "'next' appears twice",
    "too_many_choices.yaml": "14 buttons",
    "long_label.yaml": "22 characters",
    "missing_ja.yaml": "no 'ja:' text",
    "unreachable.yaml": "'forgotten' is never reached",
    "long_data.yaml": "311 characters",
    "syntax_error.yaml": "YAML syntax",
    "unknown_placeholder.yaml": "unknown placeholder {servce_name}",
    "wrong_type.yaml": "should be a list",
}


def marked_line(path: Path) -> int:
    """The broken examples mark their mistake with '# mistake' on the line to report."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if "# mistake" in line)


def test_every_broken_example_is_tested() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_example_reports_file_and_line(name: str) -> None:
    path = BROKEN / name
    problems = check(path)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert (problem.file, problem.line) == (str(path), marked_line(path))
    assert str(problem).startswith(f"{path}:{marked_line(path)}: ")
    assert EXPECTED[name] in problem.message


def test_shipped_flows_check_clean() -> None:
    assert check(SHIPPED) == []
    assert check() == []


def test_check_main_exit_codes(capsys) -> None:
    assert main([str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"OK: 5 flows, \d+ steps in .*flows\n", out)
    assert main([str(BROKEN / "long_label.yaml")]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{BROKEN / 'long_label.yaml'}:12: ")
    assert main([str(BROKEN / "nope.yaml")]) == 1


def test_problem_str() -> None:
    assert str(Problem("flows/family.yaml", 12, "say what")) == "flows/family.yaml:12: say what"


def test_load_without_configuration_names_the_missing_keys() -> None:
    with pytest.raises(FlowError) as raised:
        load_flows()
    messages = " ".join(p.message for p in raised.value.problems)
    for key in ("service_name", "opening_hours", "window_location"):
        assert f"set '{key}' in the configuration" in messages


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_folder_needs_first_contact_and_uses_shipped_common(tmp_path: Path) -> None:
    write(tmp_path, "other.yaml", "flow: other\nsteps:\n  bye:\n    end: true\n")
    problems = check(tmp_path)
    assert [p.message for p in problems] == [
        "no flow is named 'first_contact': the first message needs it"
        " (add 'flow: first_contact' to one file)"
    ]


def test_duplicate_step_names_and_flow_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        "first_contact.yaml",
        "flow: first_contact\nsteps:\n  bye:\n    end: true\n  bye:\n    end: true\n",
    )
    write(tmp_path, "second.yaml", "flow: first_contact\nsteps:\n  bye:\n    end: true\n")
    problems = [str(p) for p in check(tmp_path)]
    assert f"{tmp_path / 'first_contact.yaml'}:5: 'bye' appears twice in steps" in problems[0]
    assert problems[1].startswith(f"{tmp_path / 'second.yaml'}:1: another file")


def test_a_loop_without_a_question_is_refused(tmp_path: Path) -> None:
    write(
        tmp_path,
        "first_contact.yaml",
        "flow: first_contact\nsteps:\n  a:\n    say: {ja: あ}\n    next: b\n"
        "  b:\n    say: {ja: い}\n    next: a\n",
    )
    problems = check(tmp_path)
    assert len(problems) == 1 and "without asking anything" in problems[0].message


def test_unknown_setting_suggests_the_right_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        "first_contact.yaml",
        "flow: first_contact\nsteps:\n  a:\n    say: {ja: あ}\n    nxet: b\n    next: b\n"
        "  b:\n    end: true\n",
    )
    problems = check(tmp_path)
    assert [(p.line, p.message) for p in problems] == [
        (5, "unknown setting 'nxet' in step 'a' (did you mean 'next'?)")
    ]


def test_an_unknown_flow_target(tmp_path: Path) -> None:
    write(
        tmp_path,
        "first_contact.yaml",
        "flow: first_contact\nsteps:\n  a:\n    say: {ja: あ}\n    next: flow:famly\n",
    )
    write(tmp_path, "family.yaml", "flow: family\nsteps:\n  bye:\n    end: true\n")
    problems = check(tmp_path)
    assert [(p.line, p.message) for p in problems] == [
        (5, "there is no flow named 'famly' (did you mean 'flow:family'?): check the spelling")
    ]


def test_branch_on_an_answer(tmp_path: Path) -> None:
    write(
        tmp_path,
        "first_contact.yaml",
        """\
flow: first_contact
steps:
  who:
    ask: {ja: どなたのことですか？}
    key: who
    choices:
      - {id: self, label: {ja: 自分}}
      - {id: family, label: {ja: 家族}}
    next: route
  route:
    branch:
      on: who
      cases: {family: fam}
      otherwise: bye
  fam:
    handoff: family
  bye:
    end: true
""",
    )
    from flows import FlowEvent, FlowState, HandOff, step
    from tests.flows.conftest import START

    flows = load_flows(tmp_path)
    state, _ = step(flows, FlowState.initial(), FlowEvent("follow"), START)
    _, effects = step(flows, state, FlowEvent("text", text="家族"), START)
    assert isinstance(effects[-1], HandOff) and effects[-1].topic == "family"
    _, effects = step(flows, state, FlowEvent("text", text="自分"), START)
    assert effects[-1].__class__.__name__ == "End"


def test_readme_example_is_a_valid_flow(tmp_path: Path) -> None:
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(flow: example.*?)```", readme, re.S)
    assert example is not None
    path = write(tmp_path, "example.yaml", example.group(1))
    assert check(path) == []


def test_graph_is_a_mermaid_flowchart() -> None:
    flowset, problems = load_with_problems(SHIPPED)
    assert not problems and flowset is not None
    for name, flow in flowset.flows.items():
        chart = to_mermaid(flowset, name)
        lines = chart.splitlines()
        assert lines[0] == "flowchart TD"
        for step_name in flow.steps:
            assert any(line.strip().startswith(f"s_{step_name}") for line in lines)
        # Every edge ends at a declared node.
        declared = {re.match(r"\s*(\w+)", line).group(1) for line in lines[1:] if "-->" not in line}
        for line in lines:
            if "-->" in line and "flow_start" not in line:
                assert line.split()[-1] in declared, line
    first_contact = to_mermaid(flowset, "first_contact")
    assert '-->|"家族のこと"| flow_family' in first_contact
    assert 'flow_start -->|"友だち追加"| s_followed' in first_contact
    assert "--> s_who" in first_contact  # the way back in, soon after an end
