"""The desk's household actions against the real service: an invitation makes the
household (the relative as family, the relation from the intake), a revoke closes it and
forgets its code, a household made by hand, and each refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import keys
from bot.conversation.refusal import Refusal
from bot.households import codes
from storage import households
from storage.read_side import Viewer
from storage.read_side.household import household_detail, household_of_conversation
from storage.roles import Role
from storage.statuses import HouseholdRole, InvitationState
from tests.console.api_desk import ApiDesk


async def _mother(desk: ApiDesk) -> int:
    user = await desk.ask_for_a_person()
    return await desk.conversation_id(user)


async def test_the_first_invitation_makes_the_household_with_the_relative_as_family(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        conversation_id = await _mother(desk)
        made = await desk.app[keys.DESK].invite(conversation_id, sato.id)

        assert codes.is_code(made.code.replace("-", "")) and made.code[4] == "-"
        assert made.web_path.startswith("/chat#invite=") and made.token in made.web_path
        assert made.line_url is None  # no [line] basic_id in this configuration
        assert made.expires_at == desk.clock.now() + timedelta(days=90)

        viewer = Viewer(sato.id, Role.COUNSELOR, "welfare")
        ref = await desk.db.read(household_of_conversation, conversation_id, viewer)
        assert ref is not None and ref.id == made.household_id
        view = await desk.db.read(household_detail, made.household_id, viewer, desk.clock.now())
        assert view is not None
        (member,) = view.members
        assert member.role == HouseholdRole.FAMILY and member.channel == "line"
        assert [c.id for c in member.conversations] == [conversation_id]
        assert [(i.id, i.state) for i in view.invitations] == [(made.id, "open")]

        # The stored token is its hash; the plain one is found by hashing it again.
        found = await desk.db.read(households.by_token, codes.token_hash(made.token))
        assert found is not None and found.id == made.id

        # A second invitation joins the same household.
        again = await desk.app[keys.DESK].invite(conversation_id, sato.id)
        assert again.household_id == made.household_id and again.code != made.code

        # Past its time, the invitation reads as expired.
        later = desk.clock.now() + timedelta(days=91)
        view = await desk.db.read(household_detail, made.household_id, viewer, later)
        assert view is not None and {i.state for i in view.invitations} == {"expired"}


async def test_a_revoke_closes_the_invitation_and_forgets_its_code(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        conversation_id = await _mother(desk)
        made = await desk.app[keys.DESK].invite(conversation_id, sato.id)
        await desk.app[keys.DESK].revoke_invitation(made.id, sato.id)

        found = await desk.db.read(households.get_invitation, made.id)
        assert found is not None and found.state == InvitationState.CLOSED and found.code is None
        assert await desk.db.read(households.by_token, codes.token_hash(made.token)) is None
        code = made.code.replace("-", "")
        assert await desk.db.read(households.code_was_closed, code, desk.clock.now())

        with pytest.raises(Refusal) as refused:
            await desk.app[keys.DESK].revoke_invitation(made.id, sato.id)
        assert refused.value.key == "invitation_not_open"
        with pytest.raises(Refusal) as refused:
            await desk.app[keys.DESK].revoke_invitation(made.id + 100, sato.id)
        assert refused.value.key == "no_invitation"


async def test_a_household_by_hand_and_its_refusals(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        conversation_id = await _mother(desk)
        household = await desk.app[keys.DESK].create_household(conversation_id, sato.id)
        assert household.label == f"H-{household.number:04d}"
        with pytest.raises(Refusal) as refused:
            await desk.app[keys.DESK].create_household(conversation_id, sato.id)
        assert refused.value.key == "already_in_household"
        with pytest.raises(Refusal) as refused:
            await desk.app[keys.DESK].invite(conversation_id + 100, sato.id)
        assert refused.value.key == "no_conversation"
        # An invitation from this conversation goes to the household made by hand.
        made = await desk.app[keys.DESK].invite(conversation_id, sato.id)
        assert made.household_id == household.id


async def test_the_other_organisation_sees_no_household_of_conversations_it_may_not_see(
    tmp_path,
):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        conversation_id = await _mother(desk)
        made = await desk.app[keys.DESK].invite(conversation_id, sato.id)
        outsider = Viewer(sato.id + 1000, Role.COUNSELOR, "some-other-org")
        assert await desk.db.read(household_detail, made.household_id, outsider) is None
        supervisor = Viewer(sato.id + 1000, Role.SUPERVISOR, "some-other-org")
        assert await desk.db.read(household_detail, made.household_id, supervisor) is not None


def test_every_household_refusal_has_its_sentence_in_both_languages():
    import ast
    from pathlib import Path

    from staff_console.errors import sentence

    root = Path(__file__).resolve().parents[2] / "bot" / "households"
    keys_raised = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Refusal":
                key = node.args[1]
                assert isinstance(key, ast.Constant), path
                keys_raised.add(key.value)
    assert {"no_invitation", "invitation_not_open", "already_in_household"} <= keys_raised
    for key in keys_raised:
        for language in ("ja", "en"):
            assert sentence(key, language, reason="")
