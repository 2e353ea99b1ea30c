"""The petition's verified count: moved by guarded SQL inside the caller's
transaction, announced after commit.

`adjust` runs inside the transaction that changes a signature's state, so the
count always equals the number of verified signatures. `changed` runs after
the commit: it refreshes caches and publishes the new count (live updates).
"""
import logging

from sqlalchemy import select, update

from ..extensions import db
from ..models import Petition, utcnow

log = logging.getLogger(__name__)


def adjust(petition_id, delta):
    """Add `delta` to the count in the current transaction (never below zero)."""
    db.session.execute(
        update(Petition)
        .where(Petition.id == petition_id, Petition.signature_count + delta >= 0)
        .values(signature_count=Petition.signature_count + delta, updated_at=utcnow())
    )


def stored_count(petition_id):
    return db.session.scalar(
        select(Petition.signature_count).where(Petition.id == petition_id)
    )


def changed(petition_id):
    """Called after a commit that moved the count. Must never raise."""
    # Live counters (cache refresh + pub/sub) plug in here; see issue 3.
    return None
