"""The assignment rule on its own, on a real SQLite file and no server: who gets a case,
that continuity is remembered with every assignment, and the pair rule."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.config.loading import load_settings
from bot.config.settings import HandoffSettings
from bot.conversation.refusal import Refusal, pair_for
from bot.handoff import assignment
from bot.runtime.clock import TOKYO
from storage import contacts, conversations, organizations, sealing, staff
from storage.contacts import Contact
from storage.conversations import Conversation
from storage.migrate import migrate
from storage.roles import Role
from storage.sealing import Keyring, keyring_of
from storage.staff import StaffMember
from tests.sealing_keys import TEST_KEYS

CONFIG = """
pair_counselors = {pairs}

[[organizations]]
id = "welfare"
name = "福祉相談センター"
[organizations.hours]
wed = "09:00-17:00"

[[organizations]]
id = "psych"
name = "心理相談室"
[organizations.hours]
wed = "10:00-18:00"

[routing]
default = "welfare"
"""

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)  # a Wednesday, both open


def handoff_settings(tmp_path: Path, pairs: bool) -> HandoffSettings:
    config = tmp_path / "tobira.toml"
    config.write_text(CONFIG.format(pairs=str(pairs).lower()), encoding="utf-8")
    return load_settings(config, env={}).handoff


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    # A sealing connection: conversations' texts are sealed with the contact's key.
    connection = sealing.connect(tmp_path / "t.db", Keyring(TEST_KEYS), isolation_level=None)
    connection.row_factory = sqlite3.Row
    migrate(connection)
    keyring_of(connection).prepare(connection)
    organizations.sync(connection, [("welfare", "W"), ("psych", "P")])
    yield connection
    connection.close()


def member(conn: sqlite3.Connection, login: str, org: str, role: str = "counselor") -> StaffMember:
    staff_id = staff.add(
        conn,
        login=login,
        name=login,
        display_name=login,
        org_id=org,
        role=role,
        password_hash=None,
        at=NOW,
    )
    found = staff.get(conn, staff_id)
    assert found is not None
    return found


def new_case(conn: sqlite3.Connection, user: str) -> tuple[Contact, Conversation]:
    contact = contacts.upsert_seen(conn, "line", user, NOW)
    return contact, conversations.open_for_contact(conn, contact.id, NOW)


def test_the_least_loaded_counselor_gets_a_new_case_and_is_remembered(conn, tmp_path):
    settings = handoff_settings(tmp_path, pairs=False)
    sato, suzuki = member(conn, "sato", "welfare"), member(conn, "suzuki", "welfare")
    contact, first = new_case(conn, "U1")
    owner = assignment.assign_on_handoff(conn, settings, contact, first, "family", NOW)
    assert owner.counselor == sato  # equal load: the older account
    other, second = new_case(conn, "U2")
    owner = assignment.assign_on_handoff(conn, settings, other, second, "family", NOW)
    assert owner.counselor == suzuki  # sato has one open case now
    again = contacts.get(conn, contact.id)
    assert again is not None and again.counselor_id == sato.id


def test_a_returning_client_goes_back_to_their_counselor_though_busier(conn, tmp_path):
    settings = handoff_settings(tmp_path, pairs=False)
    sato, _ = member(conn, "sato", "welfare"), member(conn, "suzuki", "welfare")
    contact, first = new_case(conn, "U1")
    assignment.assign_on_handoff(conn, settings, contact, first, "family", NOW)
    # Another case keeps sato the busier one; the first client comes back.
    other, case = new_case(conn, "U2")
    assignment.assign(
        conn, case.id, other.id, org_id="welfare", counselor_id=sato.id, pair_id=None, now=NOW
    )
    conversations.resolve(conn, first.id, NOW)
    returning = contacts.get(conn, contact.id)
    assert returning is not None
    again = conversations.open_for_contact(conn, contact.id, NOW)
    owner = assignment.assign_on_handoff(conn, settings, returning, again, "family", NOW)
    assert owner.counselor == sato


def test_every_assignment_remembers_the_counselor_for_continuity(conn, tmp_path):
    member(conn, "sato", "welfare")
    tanaka = member(conn, "tanaka", "psych")
    contact, case = new_case(conn, "U1")
    assignment.assign(
        conn, case.id, contact.id, org_id="psych", counselor_id=tanaka.id, pair_id=None, now=NOW
    )
    given = conversations.get(conn, case.id)
    remembered = contacts.get(conn, contact.id)
    assert given is not None and given.counselor_id == tanaka.id and given.org_id == "psych"
    assert given.status == "assigned" and given.handed_off_at is not None
    assert remembered is not None and remembered.counselor_id == tanaka.id


def test_no_counselor_queues_the_case_and_remembers_nobody(conn, tmp_path):
    contact, case = new_case(conn, "U1")
    assignment.assign(
        conn, case.id, contact.id, org_id="welfare", counselor_id=None, pair_id=None, now=NOW
    )
    queued = conversations.get(conn, case.id)
    remembered = contacts.get(conn, contact.id)
    assert queued is not None and queued.status == "queued" and queued.counselor_id is None
    assert remembered is not None and remembered.counselor_id is None


def test_pairs_come_from_the_other_organisation(conn, tmp_path):
    settings = handoff_settings(tmp_path, pairs=True)
    sato = member(conn, "sato", "welfare")
    member(conn, "suzuki", "welfare")
    tanaka = member(conn, "tanaka", "psych")
    contact, case = new_case(conn, "U1")
    owner = assignment.assign_on_handoff(conn, settings, contact, case, "family", NOW)
    assert owner.counselor == sato and owner.pair == tanaka


def test_the_pair_rule(conn):
    sato = member(conn, "sato", "welfare")
    suzuki = member(conn, "suzuki", "welfare")
    tanaka = member(conn, "tanaka", "psych")
    boss = member(conn, "kimura", "psych", role="supervisor")
    assert assignment.can_pair(sato, tanaka)
    assert not assignment.can_pair(sato, suzuki)  # the same organisation
    assert not assignment.can_pair(sato, boss)  # not a counselor
    assert pair_for(conn, sato, tanaka.id) == tanaka
    with pytest.raises(Refusal) as refused:
        pair_for(conn, sato, suzuki.id)
    assert refused.value.key == "pair_other_org"


def test_who_supervises():
    assert [role for role in Role if role.can_supervise] == [Role.SUPERVISOR, Role.ADMIN]
