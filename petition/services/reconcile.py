"""Reconciliation: recompute every petition's count from its verified
signatures, repair drift, refresh the caches.

The count column is moved by guarded SQL in the same transaction as each
signature, so drift should never happen; this is the safety net (a manual
database edit, a restored backup, a bug) and the way to rebuild the caches.
"""

import logging
from dataclasses import astuple, dataclass

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Petition, Signature, SignatureSource, SignatureState
from . import counters

log = logging.getLogger(__name__)


@dataclass
class Repair:
    slug: str
    stored: int
    actual: int
    stored_local: int = 0
    actual_local: int = 0
    stored_paper: int = 0
    actual_paper: int = 0


def reconcile_petition(petition_id: int) -> Repair | None:
    """Lock the petition row, count its verified signatures, fix the column.

    The row lock (PostgreSQL) makes a concurrent confirmation wait for us, and
    the count runs after the lock is held, so it sees every committed change.
    Returns a Repair when the stored count was wrong, else None.
    """
    row = db.session.execute(
        select(Petition.slug, Petition.signature_count, Petition.local_count, Petition.paper_count)
        .where(Petition.id == petition_id)
        .with_for_update()
    ).first()
    if row is None:
        db.session.rollback()
        return None
    actual, actual_local, actual_paper = db.session.execute(
        select(
            func.count(),
            func.count().filter(Signature.local.is_(True)),
            func.count().filter(Signature.source == SignatureSource.PAPER),
        )
        .select_from(Signature)
        .where(
            Signature.petition_id == petition_id,
            Signature.state == SignatureState.VERIFIED,
        )
    ).one()
    repair = None
    stored = (row.signature_count, row.local_count, row.paper_count)
    if (actual, actual_local, actual_paper) != stored:
        db.session.execute(
            update(Petition)
            .where(Petition.id == petition_id)
            .values(signature_count=actual, local_count=actual_local, paper_count=actual_paper)
        )
        repair = Repair(
            row.slug,
            row.signature_count,
            actual,
            row.local_count,
            actual_local,
            row.paper_count,
            actual_paper,
        )
        log.warning(
            "Count of %s repaired: %s -> %s (local %s -> %s, paper %s -> %s)", *astuple(repair)
        )
    db.session.commit()
    counters.changed(petition_id)  # always: a corrupted cache is repaired too
    return repair


def reconcile_all() -> tuple[int, list[Repair]]:
    """Reconcile every petition, one short transaction each; returns (checked, repairs)."""
    ids = db.session.scalars(select(Petition.id).order_by(Petition.id)).all()
    db.session.rollback()
    repairs = [r for r in (reconcile_petition(pid) for pid in ids) if r is not None]
    return len(ids), repairs
