"""Danger signals in a client's message: suicidal wishes, violence at home, a child at risk.

This package owns one question: does a message say that someone may be in danger, and is it
about the writer or about someone else? ``detect(text)`` answers with a `Detection` (the level,
whether the message is about another person, the id of the phrase, rule or model that matched,
never the client's words, and whether the signal is certain or only possible) or ``None``.

Three readers, in order (`detector`): the phrase lists (``phrases/``, read and compiled to
regexes on normalised text by `phrase_files`), rules
combining words by their lemmas (``rules/``, `analyser` with fugashi and unidic-lite), and a
learned model (``model.json.gz``, `model`) trained by `training` (scikit-learn, only there).

It is pure: no I/O except reading its own data files (phrase lists, rules, the net spellings in
``spellings.toml`` and the model) through ``importlib.resources``, no clock, no logging. It
imports nothing of the project but itself; at run time the standard library, jaconv, fugashi
and unidic-lite (the dictionary inside the package, never fetched).
"""

from __future__ import annotations

from bot.safety.detector import (
    Detection,
    Detector,
    Level,
    PhraseFileError,
    default_detector,
    default_phrase_files,
    detect,
)

__all__ = [
    "Detection",
    "Detector",
    "Level",
    "PhraseFileError",
    "default_detector",
    "default_phrase_files",
    "detect",
]
