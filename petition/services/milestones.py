"""Milestones: the thresholds a petition's team is alerted at.

`reach` runs inside the transaction that moved the count up: one guarded
UPDATE sets `reached_at` on every milestone the count now passes and that no
one reached before. On PostgreSQL the count's own UPDATE has locked the
petition's row, so concurrent confirmations pass here one after the other,
each seeing the milestones the previous one marked; SQLite serialises writers.
Either way exactly one transaction gets each milestone back, and only it
queues the alert. A count that dips and crosses again finds `reached_at` set.
A confirmation asks `due` in the RETURNING of its count's UPDATE and runs
`reach` only when it says a milestone is there to mark: most confirmations
cross none.
"""

import logging
from collections.abc import Sequence

from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..extensions import db
from ..jobs.alerts import alert_milestone
from ..models import DEFAULT_PERCENTS, Milestone, MilestoneKind, Petition, utcnow

log = logging.getLogger(__name__)

#: The largest round number an organizer may add.
MAX_COUNT = 10_000_000


class MilestoneError(ValueError):
    """A milestone an organizer typed breaks a rule; the message is for people."""


def defaults(petition_id: int) -> list[Milestone]:
    """The default milestones of a new petition (added to the caller's session)."""
    return [
        Milestone(petition_id=petition_id, kind=MilestoneKind.PERCENT, value=p)
        for p in DEFAULT_PERCENTS
    ]


def _passed(count, goal):
    """Milestones the count `count` passes, for a petition whose goal is `goal`
    (SQL expressions)."""
    return or_(
        and_(Milestone.kind == MilestoneKind.COUNT, Milestone.value <= count),
        and_(Milestone.kind == MilestoneKind.PERCENT, Milestone.value * goal <= count * 100),
    )


def due(petition_id: int):
    """True when a milestone not reached yet is passed by the petition's count:
    an SQL expression for the RETURNING of the statement that moves the count
    (counters.adjust), so `reach` runs only when it has something to mark."""
    return (
        select(Milestone.id)
        .where(
            Milestone.petition_id == petition_id,
            Milestone.reached_at.is_(None),
            _passed(Petition.signature_count, Petition.goal),
        )
        .correlate(Petition)
        .exists()
    )


def reach(petition_id: int) -> list[int]:
    """Mark reached, in the current transaction, every milestone the count now
    passes; return their ids (each id is returned to one caller only)."""
    count = select(Petition.signature_count).where(Petition.id == petition_id).scalar_subquery()
    goal = select(Petition.goal).where(Petition.id == petition_id).scalar_subquery()
    rows = db.session.execute(
        update(Milestone)
        .where(
            Milestone.petition_id == petition_id,
            Milestone.reached_at.is_(None),
            _passed(count, goal),
        )
        .values(reached_at=utcnow(), count_at_reach=count)
        .returning(Milestone.id)
    )
    return sorted(r[0] for r in rows)


def announce(milestone_ids: Sequence[int]) -> None:
    """After the commit: queue the alert of each milestone just reached.

    Redis down: logged loudly; the milestone stays reached (never alerted twice)."""
    for milestone_id in milestone_ids:
        try:
            jobs.queue(jobs.DEFAULT_QUEUE).enqueue_call(
                alert_milestone,
                args=(milestone_id,),
                job_id=f"milestone-{milestone_id}",
                retry=jobs.email_retry(),
                failure_ttl=30 * 86400,
            )
        except RedisError:
            log.exception("Could not queue the alert of milestone %s", milestone_id)


def listing(petition: Petition) -> list[tuple[Milestone, int]]:
    """The petition's milestones with the count each needs, lowest first."""
    rows = db.session.scalars(select(Milestone).where(Milestone.petition_id == petition.id))
    pairs = [(m, m.threshold(petition.goal)) for m in rows]
    return sorted(pairs, key=lambda pair: (pair[1], pair[0].kind))


def goal_reached(petition: Petition) -> bool:
    """For the discreet "objectif atteint" state of the public pages."""
    return petition.signature_count >= petition.goal


def add(petition: Petition, kind: str, value: int) -> Milestone:
    """An organizer's milestone; one that the count already passed is marked
    reached at once (nobody is alerted about the past). Commits."""
    if kind not in MilestoneKind.ALL:
        raise MilestoneError(_("Type de palier inconnu."))
    if kind == MilestoneKind.PERCENT and not 1 <= value <= 1000:
        raise MilestoneError(_("Un palier en pourcentage va de 1 à 1000 %."))
    if kind == MilestoneKind.COUNT and not 1 <= value <= MAX_COUNT:
        raise MilestoneError(
            _("Un palier va de 1 à %(n)s signatures.", n=f"{MAX_COUNT:,}".replace(",", " "))
        )
    milestone = Milestone(petition_id=petition.id, kind=kind, value=value)
    if milestone.threshold(petition.goal) <= petition.signature_count:
        milestone.reached_at = utcnow()
        milestone.count_at_reach = petition.signature_count
    db.session.add(milestone)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise MilestoneError(_("Ce palier existe déjà.")) from None
    return milestone


def remove(petition: Petition, milestone_id: int) -> bool:
    """Delete one of the petition's milestones; commits. False if not its own."""
    moved = db.session.execute(
        delete(Milestone).where(Milestone.id == milestone_id, Milestone.petition_id == petition.id)
    ).rowcount
    db.session.commit()
    return bool(moved)
