"""The learned model: shipped, scored without scikit-learn, reproduced by `tobira safety train`."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest
import yaml

from bot.safety import Detection, Detector, Level, default_phrase_files, detect
from bot.safety.model import (
    LEMMA,
    Model,
    ModelFileError,
    default_model,
    features,
    load_model,
    packaged_model_file,
)


def test_features_are_the_n_grams_once_with_length_one() -> None:
    grams = features("あいあ")
    assert {"あ", "い", "あい", "いあ", "あいあ", "\nあ", "あ\n", "\nあい", "いあ\n"} <= set(grams)
    assert sum(value * value for value in grams.values()) == pytest.approx(1.0)
    assert features("") == pytest.approx({"\n": 0.5**0.5, "\n\n": 0.5**0.5})


def test_lemma_features_are_marked_and_weigh_like_the_characters() -> None:
    grams = features("のんだ", [["飲む", "た"]])
    lemmas = {gram: value for gram, value in grams.items() if gram.startswith(LEMMA)}
    assert set(lemmas) == {
        LEMMA + "飲む",
        LEMMA + "た",
        LEMMA + "\n 飲む",
        LEMMA + "飲む た",
        LEMMA + "た \n",
    }
    assert sum(value * value for value in lemmas.values()) == pytest.approx(1.0)
    assert sum(v * v for g, v in grams.items() if g not in lemmas) == pytest.approx(1.0)


def leaning(level: str) -> Model:
    """A model with no weights that reads every message as `level` with probability 0.97."""
    levels = ("child", "crisis", "none", "violence")
    bias = math.log(0.97 / 0.01)
    intercepts = tuple(bias if name == level else 0.0 for name in levels)
    return Model(levels, intercepts, {}, certain=0.99, possible=0.98)


def test_a_model_sure_the_message_is_ordinary_silences_a_hit_in_japanese() -> None:
    # 「昔は死にたいと思った」: the phrase fires; a model sure of "none" has the last word.
    text = "昔は死にたいと思ったこともあった"
    assert with_model(leaning("crisis")).detect(text) is not None
    assert with_model(leaning("none")).detect(text) is None
    # In English the model learnt too little to overrule a phrase.
    assert with_model(leaning("none")).detect("I want to die") is not None


def test_a_violence_hit_the_model_reads_as_about_a_child_is_child() -> None:
    text = "毎日殴られる"
    assert with_model(leaning("crisis")).detect(text) == Detection(
        Level.VIOLENCE, False, "ja.violence.hit", True
    )
    found = with_model(leaning("child")).detect(text)
    assert found is not None and found.level is Level.CHILD and found.certain


def with_model(model: Model | None) -> Detector:
    """The packaged phrases and `model`, without the rules: the model's part alone."""
    return Detector.from_files(default_phrase_files(), model=model)


def test_the_model_catches_what_no_phrase_says() -> None:
    # A method just bought: no phrase names it; the model reads it as crisis, in between.
    text = "紐を買ってきた"
    assert with_model(None).detect(text) is None
    assert with_model(default_model()).detect(text) == Detection(
        Level.CRISIS, False, "model", False
    )


def test_a_confident_model_is_certain_and_names_no_words() -> None:
    found = with_model(default_model()).detect("今までありがとう。さようなら")
    assert found == Detection(Level.CRISIS, False, "model", True)


def test_the_model_leaves_ordinary_messages_alone() -> None:
    ordinary = (
        "相談の予約をしたいです",
        "息子が部屋から出てきません",
        "娘は32歳で、もう何年も部屋から出てきません。",  # the service's most common message
        "今日はここで終わりにします",
    )
    for text in ordinary:
        assert detect(text) is None, text


def test_the_thresholds_are_ordered() -> None:
    model = default_model()
    assert 0.0 < model.possible <= model.certain < 1.0
    assert set(model.levels) == {"none", "crisis", "violence", "child"}


def test_a_broken_model_file_is_refused_with_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "model.json.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(ModelFileError, match=r"model\.json\.gz"):
        load_model(broken)
    data = json.loads(gzip.decompress(packaged_model_file().read_bytes()))
    data["ngrams"] = [1, 2]
    broken.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(ModelFileError, match="format, n-grams"):
        load_model(broken)


def test_train_reproduces_the_shipped_model(tmp_path: Path) -> None:
    """`tobira safety train` on the shipped training data writes the shipped file, byte for byte."""
    pytest.importorskip("sklearn")
    from bot.safety import training

    out = tmp_path / "model.json.gz"
    assert training.main(["--out", str(out)]) == 0
    assert out.read_bytes() == packaged_model_file().read_bytes()


def _labels(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["label"]["ja"]] if isinstance(node.get("label"), dict) else []
        return found + [label for value in node.values() for label in _labels(value)]
    if isinstance(node, list):
        return [label for value in node for label in _labels(value)]
    return []


def test_the_bots_own_quick_replies_and_short_answers_never_fire() -> None:
    """A character model reads much into a few characters: the buttons we offer must not."""
    folder = Path(__file__).resolve().parents[2] / "flows"
    labels = {
        label
        for path in folder.glob("*.yaml")
        for label in _labels(yaml.safe_load(path.read_text(encoding="utf-8")))
    }
    assert len(labels) > 30
    short = ["もうひとつ", "それから", "答えたくない", "はい", "いいえ", "やめる", "はじめから"]
    fired = {text: found for text in sorted(labels) + short if (found := detect(text))}
    assert fired == {}


def test_train_cv_prints_held_out_figures_and_writes_no_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sklearn")
    from bot.safety import training

    texts = {
        "crisis": "もう死にたい",
        "violence": "夫に殴られる",
        "child": "子どもが何日も食べていない",
        "none": "相談の予約をしたいです",
    }
    lines = ["label\tabout\ttext\twriter"]
    for index in range(12):
        for label, text in texts.items():
            about = "-" if label == "none" else "self"
            lines.append(f"{label}\t{about}\t{text}、その{index}\t{'ab'[index % 2]}")
    data = tmp_path / "train.tsv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "model.json.gz"
    assert training.main([str(data), "--out", str(out), "--cv"]) == 0
    printed = capsys.readouterr().out
    assert "cross-validation, 5 stratified folds" in printed
    assert "cross-validation, each writer held out" in printed
    assert printed.count("48 sentences") == 2 and "crisis    recall" in printed
    assert not out.exists()
    one_writer = tmp_path / "one.tsv"
    one_writer.write_text("\n".join(line.rsplit("\t", 1)[0] for line in lines) + "\n", "utf-8")
    assert training.main([str(one_writer), "--cv"]) == 2
