"""The rules the job sending an update follows (jobs/news.py), one delivery
row at a time: claim by guarded UPDATEs, so two jobs never hold the same row;
settle each row right after its SMTP transaction, so a worker killed mid-send
leaves at most its unsent claims, which the retried job (same job id) or,
after NEWS_CLAIM_LEASE, any job claims again."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..models import DeliveryState, PetitionUpdate, UpdateDelivery, UpdateState, utcnow


def _claimable(update_id, claimant):
    stale = utcnow() - timedelta(seconds=current_app.config["NEWS_CLAIM_LEASE"])
    return and_(
        UpdateDelivery.update_id == update_id,
        or_(
            UpdateDelivery.state == DeliveryState.QUEUED,
            and_(
                UpdateDelivery.state == DeliveryState.SENDING,
                or_(UpdateDelivery.claimed_by == claimant, UpdateDelivery.claimed_at < stale),
            ),
        ),
    )


def claim(update_id: int, claimant: str, limit: int) -> list[int]:
    """Claim up to `limit` deliveries for `claimant` (a job id): the queued ones,
    the ones this same job claimed before it was killed, and those whose claim
    is older than the lease. The condition is checked again on each row as it
    is updated, so two jobs racing for a row never both get it."""
    candidates = (
        select(UpdateDelivery.id)
        .where(_claimable(update_id, claimant))
        .order_by(UpdateDelivery.id)
        .limit(limit)
        .scalar_subquery()
    )
    ids = db.session.scalars(
        update(UpdateDelivery)
        .where(UpdateDelivery.id.in_(candidates), _claimable(update_id, claimant))
        .values(state=DeliveryState.SENDING, claimed_by=claimant, claimed_at=utcnow())
        .returning(UpdateDelivery.id)
    ).all()
    db.session.commit()
    return sorted(ids)


def settle(delivery_id: int, claimant: str, state: str, error: str | None = None) -> bool:
    """Sent, failed or skipped: only by the job holding the claim."""
    moved = db.session.execute(
        update(UpdateDelivery)
        .where(
            UpdateDelivery.id == delivery_id,
            UpdateDelivery.state == DeliveryState.SENDING,
            UpdateDelivery.claimed_by == claimant,
        )
        .values(
            state=state,
            sent_at=utcnow() if state == DeliveryState.SENT else None,
            error=error,
        )
    ).rowcount
    db.session.commit()
    return bool(moved)


def release(update_id: int, claimant: str) -> None:
    """Give back the claims of a job that stops early (the update was cancelled)."""
    db.session.execute(
        update(UpdateDelivery)
        .where(
            UpdateDelivery.update_id == update_id,
            UpdateDelivery.state == DeliveryState.SENDING,
            UpdateDelivery.claimed_by == claimant,
        )
        .values(state=DeliveryState.QUEUED, claimed_by=None, claimed_at=None)
    )
    db.session.commit()


def unsettled(update_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(UpdateDelivery)
        .where(
            UpdateDelivery.update_id == update_id,
            UpdateDelivery.state.in_((DeliveryState.QUEUED, DeliveryState.SENDING)),
        )
    )


def finish(update_id: int) -> bool:
    """Sending -> sent once no delivery is left to send."""
    moved = db.session.execute(
        update(PetitionUpdate)
        .where(
            PetitionUpdate.id == update_id,
            PetitionUpdate.state == UpdateState.SENDING,
            ~select(UpdateDelivery.id)
            .where(
                UpdateDelivery.update_id == update_id,
                UpdateDelivery.state.in_((DeliveryState.QUEUED, DeliveryState.SENDING)),
            )
            .exists(),
        )
        .values(state=UpdateState.SENT, finished_at=utcnow())
    ).rowcount
    db.session.commit()
    return bool(moved)


def state_of(update_id: int) -> str | None:
    return db.session.scalar(select(PetitionUpdate.state).where(PetitionUpdate.id == update_id))


def sending_ids() -> list[int]:
    """The updates being sent now."""
    return db.session.scalars(
        select(PetitionUpdate.id).where(PetitionUpdate.state == UpdateState.SENDING)
    ).all()
