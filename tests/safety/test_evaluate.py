"""The evaluation set meets its targets, and the eval command explains a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.safety import Level
from bot.safety.evaluate import (
    INDEPENDENT,
    OWN,
    TARGET_PRECISION,
    TARGET_RECALL,
    EvalFileError,
    evaluate,
    main,
    read_examples,
)

EVAL_SET = Path(__file__).resolve().parents[1] / "data" / "safety_eval.tsv"


def test_the_eval_set_is_large_and_balanced_enough() -> None:
    examples = read_examples(EVAL_SET)
    counts = {label: sum(1 for e in examples if e.label == label) for label in Level}
    assert len(examples) >= 300
    assert counts[Level.CRISIS] >= 60
    assert counts[Level.VIOLENCE] >= 40
    assert counts[Level.CHILD] >= 40
    assert sum(1 for e in examples if e.label == "none") >= 150


def test_the_eval_set_meets_the_targets() -> None:
    report = evaluate(EVAL_SET)
    for level, target in TARGET_RECALL.items():
        assert report.recall[level] >= target, (level, report.missed)
    assert report.overall_precision >= TARGET_PRECISION, report.false_alarms
    assert report.meets_targets


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_report_counts_and_lists_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["# a comment", "label\ttext", "crisis\t死にたい", "crisis\t空が青い"]
    lines += ["none\t夫に殴られる", "", "none\t晴れ"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    report = evaluate(path)
    assert report.recall[Level.CRISIS] == 0.5
    assert report.overall_precision == 0.5
    assert [o.example.line for o in report.missed] == [4]
    assert [o.example.line for o in report.false_alarms] == [5]
    assert not report.meets_targets
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:4: crisis, got no hit: 空が青い" in out
    assert f"{path}:5: violence by ja.violence.hit: 夫に殴られる" in out
    assert "targets NOT met" in out


def test_the_command_passes_on_the_eval_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EVAL_SET)]) == 0
    out = capsys.readouterr().out
    assert "crisis    recall" in out and "overall   precision" in out


@pytest.mark.parametrize(
    ("text", "line", "complaint"),
    [
        ("label\ttext\ncrisis 死にたい\n", 2, "no tab"),
        ("crisis\t死にたい\ndanger\t殴られた\n", 2, "unknown label 'danger'"),
        ("crisis\t死にたい\nnone\t\n", 2, "the text is empty"),
        ("# c\ncrisis\t死にたい\tmore\n", 2, "more than one tab"),
    ],
)
def test_a_malformed_line_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, complaint: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(EvalFileError, match=complaint):
        read_examples(path)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"tobira safety eval: {path}:{line}: ")
    assert complaint in err and "\n" not in err


def test_a_missing_file_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.tsv"
    assert main([str(missing)]) == 2
    assert capsys.readouterr().err.strip() == f"tobira safety eval: {missing}: no such file"


def test_a_file_with_no_labelled_lines_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="no labelled lines"):
        read_examples(write(tmp_path, "# only a comment\nlabel\ttext\n"))


@pytest.mark.subprocess
def test_the_tobira_command_runs_the_evaluation_and_says_whether_targets_are_met(tmp_path):
    import subprocess
    import sys

    shipped = Path(__file__).parent.parent / "data" / "safety_eval.tsv"
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "safety", "eval", str(shipped)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "crisis    recall" in run.stdout and "targets met" in run.stdout
    broken = tmp_path / "broken.tsv"
    broken.write_text("crisis\tもう死にたい\nmaybe\tこんにちは\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "safety", "eval", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert f"{broken}:2:" in run.stderr


INDEPENDENT_SET = "label\tabout\ttext\twriter\n" + "\n".join(
    [
        "crisis\tself\t死にたい\tw",
        "crisis\tother\t息子が死にたいと言っています\tw",
        "crisis\tself\t空が青い\tw",
        "child\tother\t子どもを叩いてしまった\tw",
        "none\t-\t晴れ\tw",
        "none\t-\t夫に殴られる",
    ]
)


def test_an_independent_set_is_read_with_about_and_held_to_issue_17s_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, INDEPENDENT_SET + "\n")
    examples = read_examples(path)
    assert [e.about for e in examples] == ["self", "other", "self", "other", None, None]
    report = evaluate(path)
    assert report.targets is INDEPENDENT
    assert report.recall[Level.CRISIS] == pytest.approx(2 / 3)
    assert report.certain_only.recall[Level.CRISIS] <= report.recall[Level.CRISIS]
    assert main([str(path), "--summary"]) == 1
    out = capsys.readouterr().out
    assert "6 sentences" in out and "6 unique" in out
    assert "targets for an independent set" in out and "(target 0.95, BELOW TARGET)" in out
    assert "self   crisis 0.500 | 0.500 (2)" in out
    assert "other  crisis 1.000 | 1.000 (1)" in out
    assert "空が青い" not in out  # --summary: figures only


def test_staff_marks_exported_for_training_read_back_with_about_unknown(tmp_path: Path) -> None:
    # `tobira safety export-feedback` cannot know who a missed signal was about.
    text = "label\tabout\ttext\twriter\ncrisis\tunknown\t持ち物を人にあげています\tfeedback\n"
    (example,) = read_examples(write(tmp_path, text))
    assert (example.label, example.about, example.text) == (
        "crisis",
        None,
        "持ち物を人にあげています",
    )


def test_our_own_set_keeps_its_own_targets() -> None:
    assert evaluate(EVAL_SET).targets is OWN


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("label\tabout\ttext\ncrisis\tme\t死にたい\n", "about must be self, other or unknown"),
        ("label\tabout\ttext\nnone\tself\t晴れ\n", "about must be '-' for none"),
        ("label\tabout\ttext\ncrisis\tself\n", "found 2 columns"),
    ],
)
def test_a_malformed_independent_line_is_one_clear_error(
    tmp_path: Path, text: str, complaint: str
) -> None:
    with pytest.raises(EvalFileError, match=complaint):
        read_examples(write(tmp_path, text))
