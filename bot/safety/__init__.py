"""Danger signals in a client's message: suicidal wishes, violence at home, a child at risk.

This package owns one question: does a message say that someone may be in danger, and is it
about the writer or about someone else? ``detect(text)`` answers with a `Detection` (the level,
whether the message is about another person, and the id of the phrase that matched, never the
client's words) or ``None``.

It is pure: no I/O except reading its own data files (the phrase lists in ``phrases/`` and the net
spellings in ``spellings.toml``) through ``importlib.resources``, no clock, no logging. It imports
nothing of the project but itself: the standard library and jaconv only.
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
