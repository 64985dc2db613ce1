"""Who may see which conversation: the one policy the API, the pages and the live events
apply. Supervisors and admins see everything; a counselor sees their organisation's
conversations and the ones where they are the counselor or the pair."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.roles import Role
from storage.tx import Tx, named_rows

# The same rule in SQL, for a query over `conversations c` with :me and :org bound.
VISIBLE_SQL = "(c.org_id = :org OR c.counselor_id = :me OR c.pair_counselor_id = :me)"


@dataclass(frozen=True)
class Owners:
    """Whose a conversation is: what `Viewer.can_see` decides on."""

    org_id: str | None
    counselor_id: int | None
    pair_id: int | None


@dataclass(frozen=True)
class Viewer:
    staff_id: int
    role: Role
    org_id: str | None

    @property
    def sees_all(self) -> bool:
        return self.role.can_supervise

    def can_see(self, org_id: str | None, counselor_id: int | None, pair_id: int | None) -> bool:
        if self.sees_all:
            return True
        return self.staff_id in (counselor_id, pair_id) or (
            org_id is not None and org_id == self.org_id
        )

    def sees(self, owners: Owners) -> bool:
        return self.can_see(owners.org_id, owners.counselor_id, owners.pair_id)

    def params(self) -> dict[str, object]:
        """The values VISIBLE_SQL binds."""
        return {"me": self.staff_id, "org": self.org_id}


def visibility(conn: Tx, conversation_ids: Iterable[int]) -> dict[int, Owners]:
    """Whose each conversation is, for filtering live events and alerts."""
    ids = list(dict.fromkeys(conversation_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = named_rows(
        conn,
        "SELECT id, org_id, counselor_id, pair_counselor_id FROM conversations"
        f" WHERE id IN ({marks})",
        ids,
    )
    return {
        row["id"]: Owners(row["org_id"], row["counselor_id"], row["pair_counselor_id"])
        for row in rows
    }
