"""Petitions offered to existing organizer accounts, which accept or decline.

An invitation must not hand a petition to an account that never asked for it.
`offer` stores a PendingGrant; the worker emails its link (a "grant" token: the
grant's id and nonce). Logged in as the invited account, the link's page
accepts or declines; until then the petition stays a 404 for it. The link does
nothing for another account, works once (the row goes when answered, and a
newer invitation changes the nonce) and expires (GRANT_TOKEN_MAX_AGE).
"""

import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import tokens
from ..extensions import db
from ..models import Organizer, PendingGrant, Petition, utcnow
from . import audit


class GrantOutcome(StrEnum):
    """What the link of an offered petition leads to."""

    READY = "ready"
    USED = "used"  # answered, or replaced by a newer offer
    OTHER_ACCOUNT = "other-account"  # meant for another account than the one logged in
    INVALID = tokens.TokenReason.INVALID.value
    EXPIRED = tokens.TokenReason.EXPIRED.value


@dataclass
class GrantCheck:
    outcome: GrantOutcome
    grant: PendingGrant | None = None
    petition: Petition | None = None


def offer(
    inviter: Organizer | None, organizer: Organizer, petition: Petition, retry: bool = True
) -> PendingGrant:
    """Offer `petition` to `organizer` (a newer offer replaces an older one's
    link). Commits; the caller queues the email with the grant's id."""
    grant = db.session.scalar(
        select(PendingGrant).where(
            PendingGrant.organizer_id == organizer.id, PendingGrant.petition_id == petition.id
        )
    )
    if grant is None:
        grant = PendingGrant(organizer_id=organizer.id, petition_id=petition.id)
        db.session.add(grant)
    grant.inviter_id = inviter.id if inviter else None
    grant.nonce = secrets.token_urlsafe(16)
    grant.created_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # the same offer made at the same moment: update that one
        db.session.rollback()
        if not retry:
            raise
        return offer(inviter, organizer, petition, retry=False)
    return grant


def inspect(token: str, organizer: Organizer) -> GrantCheck:
    """What the link (links.grant_token) offers, if it is still good and meant for `organizer`."""
    try:
        payload = tokens.read("grant", token)
        grant_id, nonce = tokens.row_id(payload, "g"), tokens.text(payload, "n")
    except tokens.TokenError as exc:
        return GrantCheck(GrantOutcome(exc.reason))
    except (KeyError, TypeError, ValueError):
        return GrantCheck(GrantOutcome.INVALID)
    grant = db.session.get(PendingGrant, grant_id)
    if grant is None or grant.nonce != nonce:
        return GrantCheck(GrantOutcome.USED)
    if grant.organizer_id != organizer.id:
        return GrantCheck(GrantOutcome.OTHER_ACCOUNT)
    return GrantCheck(GrantOutcome.READY, grant, grant.petition)


def answer(token: str, organizer: Organizer, accept: bool) -> GrantCheck:
    """Accept or decline once: the guarded delete lets one answer through."""
    found = inspect(token, organizer)
    if found.outcome != GrantOutcome.READY:
        return found
    grant, petition = found.grant, found.petition
    gone = db.session.execute(
        delete(PendingGrant)
        .where(
            PendingGrant.id == grant.id,
            PendingGrant.nonce == grant.nonce,
            PendingGrant.organizer_id == organizer.id,
        )
        .execution_options(synchronize_session=False)
    )
    if gone.rowcount != 1:
        db.session.rollback()
        return GrantCheck(GrantOutcome.USED)
    account = db.session.get(Organizer, organizer.id)
    if accept and petition not in account.petitions:
        account.petitions.append(petition)
    kind = audit.Kind.ACCESS_GRANTED if accept else audit.Kind.ACCESS_DECLINED
    audit.record([petition.id], kind, account, account.email, accepted=accept)
    db.session.commit()
    return GrantCheck(GrantOutcome.READY, petition=petition)  # the grant row is gone
