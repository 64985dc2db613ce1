"""Words, not strings: the lemmas of a message, sentence by sentence (MeCab with UniDic).

fugashi (MeCab) with unidic-lite, both on PyPI with the dictionary inside: nothing is fetched
at run time. Chosen over SudachiPy with sudachidict-core by measurement: the same lemmas for
飲んだ/のんだ/呑んだ (飲む) and 死ねたら (死ぬ), both reading しねたら as する+ない (the phrase
lists catch it), about the same time per message (p50 47 against 59 µs), and a start-up of
about 25 ms against 300 ms.

A lemma is UniDic's dictionary form (のんだ, 呑んだ → 飲む), with the English gloss UniDic adds to
loanwords dropped (ロープ-rope → ロープ) and katakana made hiragana like the rest of the detector.
Numbers of two digits or more followed by a counter of pills (30錠, 数十粒) add the lemma
`MANY_PILLS`.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

import jaconv

MANY_PILLS = "多量の錠剤"
_LINE_BREAKS = re.compile(r"[\r\n]+")
_SENTENCE_ENDS = frozenset({"。", "!", "?", "!!", "?!", "!?", "??"})
_PILL_COUNTERS = frozenset({"錠", "粒", "シート", "箱"})
_MANY = re.compile(r"^(?:[1-9][0-9]+|[一二三四五六七八九数何]?[十百][一二三四五六七八九]?)$")
_local = threading.local()


def _tagger() -> Any:
    """One MeCab tagger per thread: a tagger is not safe to share between threads.

    Its output is one line per word, the surface and UniDic's lemma (field 7) with a tab
    between, empty for an unknown word: one call returns a whole message as one string, a
    third of the time of walking fugashi's nodes (whitespace is never part of a surface, so
    the tabs and line breaks are ours).
    """
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi
        import unidic_lite  # type: ignore[import-untyped]

        folder = unidic_lite.DICDIR
        tagger = _local.tagger = fugashi.GenericTagger(
            f'-r "{folder}/mecabrc" -d "{folder}" -O "" -F "%m\\t%f[7]\\n" -U "%m\\t\\n"'
            ' -E "EOS\\n"'
        )
    return tagger


@lru_cache(maxsize=8192)
def lemma(surface: str, dictionary_form: str | None) -> str:
    word = dictionary_form or surface
    if "-" in word and not word.startswith("-"):
        word = word.split("-", 1)[0]  # ロープ-rope → ロープ
    return str(jaconv.kata2hira(word.lower()))


def sentences(text: str) -> list[list[str]]:
    """The lemmas of each sentence of `text` (NFKC first: full-width digits are digits).

    One call to MeCab for the whole message (a call per sentence costs more); line breaks
    become 。 so that they end a sentence too.
    """
    plain = _LINE_BREAKS.sub("。", unicodedata.normalize("NFKC", text))
    found: list[list[str]] = []
    words: list[str] = []
    previous = ""
    for line in _tagger().parse(plain).split("\n"):
        if line == "EOS":
            break
        surface, _, dictionary_form = line.partition("\t")
        if surface in _SENTENCE_ENDS:
            if words:
                found.append(words)
            words, previous = [], ""
            continue
        if surface in _PILL_COUNTERS and _MANY.match(previous):
            words.append(MANY_PILLS)
        words.append(lemma(surface, dictionary_form))
        previous = surface
    if words:
        found.append(words)
    return found


def words(term: str) -> tuple[str, ...]:
    """The lemmas of a rule's term, one sentence: 「のんだ」 → (飲む, た)."""
    if term == MANY_PILLS:
        return (MANY_PILLS,)
    return tuple(word for sentence in sentences(term) for word in sentence)
