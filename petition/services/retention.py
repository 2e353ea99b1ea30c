"""RGPD retention: what is kept, and for how long.

- Unconfirmed (pending) signatures are deleted after UNCONFIRMED_RETENTION_DAYS
  (default 30): nobody confirmed them, they never counted.
- Once a petition is closed and its `retention_days` have passed, the personal
  data of its signatures are erased (erasure.ERASED, the same columns as a
  withdrawal); the rows and their state stay, so every count stays exactly
  what it was.
- A withdrawn row still holding a personal column (erased under an older,
  shorter list) is emptied by the same chore.
- Ended event windows (they hold an IP hash) go after the unconfirmed delay.
Each function is idempotent: running it twice deletes or erases nothing more.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..models import Petition, PetitionState, Signature, SignatureState, utcnow
from ..models.core import _aware
from . import abuse, panorama
from .erasure import ERASED, delete_linked, not_erased


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete pending signatures older than the configured delay; returns how many."""
    now = now or utcnow()
    before = now - timedelta(days=current_app.config["UNCONFIRMED_RETENTION_DAYS"])
    deleted = db.session.execute(
        delete(Signature)
        .where(Signature.state == SignatureState.PENDING, Signature.created_at < before)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    abuse.delete_old_windows(before)
    return deleted


def closed_at(petition: Petition, now: datetime) -> datetime | None:
    """When the petition stopped taking signatures, or None if it still does."""
    if petition.closes_at and _aware(petition.closes_at) <= now:
        return _aware(petition.closes_at)
    if petition.state == PetitionState.CLOSED:
        return _aware(petition.closes_at or petition.updated_at)
    return None


def expired_petitions(now: datetime | None = None) -> list[Petition]:
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Petition).where(
            or_(Petition.state == PetitionState.CLOSED, Petition.closes_at <= now)
        )
    ).all()
    return [p for p in candidates if closed_at(p, now) + timedelta(days=p.retention_days) <= now]


def erase_expired(now: datetime | None = None) -> int:
    """Erase personal data of petitions past retention, and what withdrawn rows
    still hold; returns rows erased."""
    erased = 0
    for petition in expired_petitions(now):
        erased += _erase(Signature.petition_id == petition.id)
    return erased + erase_withdrawn()


def erase_withdrawn() -> int:
    """Withdrawn rows keep no personal column, whatever list erased them."""
    return _erase(Signature.state == SignatureState.WITHDRAWN)


def _erase(where):
    delete_linked(where)
    erased = db.session.execute(
        update(Signature)
        .where(where, not_erased())
        .values(**ERASED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if erased:
        panorama.prune()  # an erased signer no longer speaks for an organisation
    db.session.commit()
    return erased
