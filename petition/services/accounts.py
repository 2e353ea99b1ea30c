"""Taking access away and giving it back: deactivate and reactivate an
account, remove it from one petition, grant a petition directly (the
operator's CLI). Each change is written to the audit log of every petition it
touches, in the same transaction.

Sessions end at once: deactivation bumps `session_version`, which is part of
the session id (Organizer.get_id), so the next request of an open session
finds no account (auth.load_organizer), and a later reactivation does not
bring old sessions back. A removal needs nothing more: access to a petition
is checked on every request (services/access.py).
"""

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import MAX_ID, Organizer, PendingGrant, Petition
from ..models.organizer import organizer_petitions
from . import audit
from .organizers import OrganizerError, find


class AccountError(OrganizerError):
    """Unknown account, or a change that cannot be made; the message is for people."""


def account(email: str) -> Organizer:
    found = find(email)
    if found is None:
        raise AccountError(_("Aucun compte organisateur pour %(e)s.", e=email))
    return found


def by_id(organizer_id: int) -> Organizer | None:
    return db.session.get(Organizer, organizer_id) if organizer_id <= MAX_ID else None


def team(petition: Petition) -> Sequence[Organizer]:
    """The accounts assigned to `petition` (administrators see it without being listed)."""
    return db.session.scalars(
        select(Organizer)
        .join(organizer_petitions, organizer_petitions.c.organizer_id == Organizer.id)
        .where(organizer_petitions.c.petition_id == petition.id)
        .order_by(Organizer.email)
    ).all()


def deactivate(actor: Organizer | None, organizer: Organizer) -> bool:
    """Deactivate and end every session of `organizer`; False if it already was."""
    if getattr(actor, "id", None) == organizer.id:
        raise AccountError(_("Vous ne pouvez pas désactiver votre propre compte."))
    changed = db.session.execute(
        update(Organizer)
        .where(Organizer.id == organizer.id, Organizer.active.is_(True))
        .values(active=False, session_version=Organizer.session_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        audit.record(audit.petitions_of(organizer), audit.Kind.DEACTIVATED, actor, organizer.email)
    db.session.commit()
    db.session.refresh(organizer)
    return bool(changed)


def activate(actor: Organizer | None, organizer: Organizer) -> bool:
    """Let the account log in again (its old sessions stay ended); False if it was active."""
    changed = db.session.execute(
        update(Organizer)
        .where(Organizer.id == organizer.id, Organizer.active.is_(False))
        .values(active=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        audit.record(audit.petitions_of(organizer), audit.Kind.ACTIVATED, actor, organizer.email)
    db.session.commit()
    db.session.refresh(organizer)
    return bool(changed)


def remove(actor: Organizer | None, organizer: Organizer, petition: Petition) -> bool:
    """Take `petition` away from `organizer` (and any offer of it still
    unanswered); False if it had no access."""
    gone = db.session.execute(
        delete(organizer_petitions).where(
            organizer_petitions.c.organizer_id == organizer.id,
            organizer_petitions.c.petition_id == petition.id,
        )
    ).rowcount
    gone += db.session.execute(
        delete(PendingGrant)
        .where(PendingGrant.organizer_id == organizer.id, PendingGrant.petition_id == petition.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if gone:
        audit.record([petition.id], audit.Kind.ACCESS_REMOVED, actor, organizer.email)
    db.session.commit()
    db.session.expire(organizer)
    return bool(gone)


def grant(actor: Organizer | None, organizer: Organizer, petition: Petition) -> bool:
    """Give access directly (the operator, from the CLI); False if it had it."""
    if petition in organizer.petitions:
        return False
    organizer.petitions.append(petition)
    audit.record([petition.id], audit.Kind.ACCESS_GRANTED, actor, organizer.email, by="cli")
    db.session.commit()
    return True
