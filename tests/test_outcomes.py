"""Outcomes are enums (StrEnum), one family per service: code compares
members, templates keep comparing the strings, and a bare string returned by
mistake is caught here."""

from sqlalchemy import select

from petition import tokens
from petition.extensions import db
from petition.jobs import JobResult
from petition.jobs.signatures import send_confirmation
from petition.links import confirm_token, withdraw_token
from petition.models import Signature
from petition.services import grants, organizers, signin, signing, withdrawal

from helpers import post_signature


def test_signature_links_give_their_service_s_enum(app, client, petition):
    post_signature(client)
    signature = db.session.scalars(select(Signature)).one()
    assert signing.inspect(confirm_token(signature)).outcome is signing.ConfirmOutcome.READY
    assert signing.inspect("garbage").outcome is signing.ConfirmOutcome.INVALID
    assert signing.confirm(confirm_token(signature)).outcome is signing.ConfirmOutcome.CONFIRMED
    assert withdrawal.inspect(withdraw_token(signature)).outcome is (
        withdrawal.WithdrawOutcome.READY
    )
    assert withdrawal.withdraw(withdraw_token(signature)).outcome is (
        withdrawal.WithdrawOutcome.WITHDRAWN
    )
    assert withdrawal.inspect("garbage").outcome is withdrawal.WithdrawOutcome.INVALID
    assert send_confirmation(signature.id) is JobResult.SKIPPED


def test_organizer_links_give_their_service_s_enum(app, petition):
    owner = organizers.create("chef@example.org", "un-mot-de-passe-assez-long", [petition])
    assert organizers.inspect_link("invite", "garbage").outcome is organizers.LinkOutcome.INVALID
    assert signin.inspect_link("garbage").outcome is organizers.LinkOutcome.INVALID
    assert grants.inspect("garbage", owner).outcome is grants.GrantOutcome.INVALID
    assert organizers.invite(None, "chef@example.org", petition) is (
        organizers.InviteOutcome.ALREADY
    )


def test_enum_members_still_equal_the_strings_templates_compare():
    assert signing.ConfirmOutcome.EXPIRED == "expired" == tokens.TokenReason.EXPIRED
    assert grants.GrantOutcome.OTHER_ACCOUNT == "other-account"
    assert f"{withdrawal.WithdrawOutcome.ERASED}" == "erased"
