"""The danger levels a signal has, most severe first."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    CRISIS = "crisis"
    VIOLENCE = "violence"
    CHILD = "child"


SEVERITY = (Level.CRISIS, Level.VIOLENCE, Level.CHILD)
