"""The structured intake record built from a conversation's answers (console and metrics)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

# The value stored for a question the person chose not to answer.
SKIPPED = "_skip"

# Answer keys (as named in the shipped flows) that fill each single-valued field.
_FIELDS: dict[str, tuple[str, ...]] = {
    "who": ("who",),
    "relationship": ("relationship",),
    "organisation": ("organisation",),
    "age_band": ("age_band",),
    "duration": ("duration",),
    "contact_preference": ("contact",),
    "contact_time": ("contact_time",),
}
_WISH_KEYS = ("wish", "need")
# Free text that is not an answer to a question: the first message, words written on return.
_NOTE_PREFIXES = ("first_message", "note")


@dataclass(frozen=True)
class Intake:
    """Each value: a choice id ("mother"), free text as written, SKIPPED, or None if not asked."""

    who: str | None = None
    relationship: str | None = None
    organisation: str | None = None
    age_band: str | None = None
    duration: str | None = None
    wishes: tuple[str, ...] = ()
    contact_preference: str | None = None
    contact_time: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["wishes"] = list(self.wishes)
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Intake:
        known = {name: data.get(name) for name in _FIELDS}
        return cls(
            **known,
            wishes=tuple(data.get("wishes") or ()),
            notes=tuple(data.get("notes") or ()),
        )


def intake_from_answers(answers: Mapping[str, str]) -> Intake:
    fields: dict[str, str | None] = {}
    for name, keys in _FIELDS.items():
        fields[name] = next((answers[k] for k in keys if k in answers), None)
    wishes = tuple(answers[k] for k in _WISH_KEYS if k in answers and answers[k] != SKIPPED)
    notes = tuple(
        value for key, value in answers.items() if key.startswith(_NOTE_PREFIXES) and value
    )
    return Intake(**fields, wishes=wishes, notes=notes)
