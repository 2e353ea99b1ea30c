"""The sweeper: every signature whose email was never queued, or whose job
was lost, gets it queued again once Redis answers.

Inputs: `email_queued_at IS NULL` (Redis was down when the service tried to
queue: see signing._queue), or queued longer than SWEEP_LOST_AFTER ago, never
sent nor refused, and no job of that id left in Redis (Redis lost its data).

No double send from here: a guarded UPDATE claims each row (two sweepers
never both queue it), the job id is derived from the row (jobs.email_job_id),
and the job skips a row whose email went out after it was queued.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq.job import Job
from sqlalchemy import and_, or_, select, update

from .. import jobs
from ..extensions import db
from ..jobs.signatures import EMAILS
from ..models import Signature, SignatureSource, SignatureState, utcnow

log = logging.getLogger(__name__)


def _candidates(now):
    lost_before = now - timedelta(seconds=current_app.config["SWEEP_LOST_AFTER"])
    never_sent = or_(
        Signature.email_sent_at.is_(None), Signature.email_sent_at < Signature.email_queued_at
    )
    return db.session.execute(
        select(
            Signature.id,
            Signature.state,
            Signature.email_count,
            Signature.email_queued_at,
            Signature.token_nonce,
        )
        .where(
            Signature.state.in_(tuple(EMAILS)),
            # Paper signatures were never emailed: nothing was lost to send again.
            Signature.source == SignatureSource.ONLINE,
            Signature.email.is_not(None),
            Signature.email_failed_at.is_(None),
            or_(
                Signature.email_queued_at.is_(None),
                and_(Signature.email_queued_at < lost_before, never_sent),
            ),
        )
        .order_by(Signature.id)
        .limit(1000)
    ).all()


def _job_alive(job_id):
    return Job.exists(job_id, connection=jobs.redis())


def sweep(now: datetime | None = None) -> int:
    """Queue the missing emails; returns how many were queued. Raises if Redis is down."""
    now = now or utcnow()
    jobs.redis().ping()  # nothing to claim while Redis is away
    queued = 0
    for row in _candidates(now):
        job_id = jobs.email_job_id(row, row.email_count)
        if row.email_queued_at is not None and _job_alive(job_id):
            continue
        if row.state == SignatureState.VERIFIED and row.email_queued_at is not None:
            continue  # the confirmation went out (it was confirmed); nothing lost
        claimed = db.session.execute(
            update(Signature)
            .where(
                Signature.id == row.id,
                Signature.email_queued_at.is_(row.email_queued_at)
                if row.email_queued_at is None
                else Signature.email_queued_at == row.email_queued_at,
            )
            .values(email_queued_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        if not jobs.enqueue_email(EMAILS[row.state], row, row.email_count):
            db.session.execute(
                update(Signature)
                .where(Signature.id == row.id)
                .values(email_queued_at=None)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            raise RedisError("Redis went away during the sweep")
        queued += 1
    if queued:
        log.info("Sweeper queued %s email(s)", queued)
    return queued
