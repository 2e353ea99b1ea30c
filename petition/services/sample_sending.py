"""The rules the job emailing an audit's sample follows (jobs/sample_audits.py),
as services/deliveries.py for news: rows claimed by guarded UPDATEs under the
job's id, settled one by one right after their SMTP transaction, so a worker
killed mid-send leaves at most its unsent claims, which the retried job (same
job id) or, after NEWS_CLAIM_LEASE, any job claims again. The signature's
email cap is spent once per sample row (`counted`), retries included."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..models import AuditSample, AuditState, SampleAudit, SampleState, Signature, utcnow


def _claimable(audit_id, claimant):
    stale = utcnow() - timedelta(seconds=current_app.config["NEWS_CLAIM_LEASE"])
    return and_(
        AuditSample.audit_id == audit_id,
        or_(
            AuditSample.state == SampleState.QUEUED,
            and_(
                AuditSample.state == SampleState.SENDING,
                or_(AuditSample.claimed_by == claimant, AuditSample.claimed_at < stale),
            ),
        ),
    )


def claim(audit_id: int, claimant: str, limit: int) -> list[int]:
    """Claim up to `limit` rows for `claimant`; the condition is checked again
    on each row as it is updated, so two jobs never both get one."""
    candidates = (
        select(AuditSample.id)
        .where(_claimable(audit_id, claimant))
        .order_by(AuditSample.id)
        .limit(limit)
        .scalar_subquery()
    )
    ids = db.session.scalars(
        update(AuditSample)
        .where(AuditSample.id.in_(candidates), _claimable(audit_id, claimant))
        .values(state=SampleState.SENDING, claimed_by=claimant, claimed_at=utcnow())
        .returning(AuditSample.id)
    ).all()
    db.session.commit()
    return sorted(ids)


def spend_email(sample_id: int, signature_id: int) -> bool:
    """Count this email against the signature's cap, once per sample row.
    False when the cap is reached (the row is then skipped)."""
    if db.session.scalar(select(AuditSample.counted).where(AuditSample.id == sample_id)):
        return True
    cap = current_app.config["MAX_EMAILS_PER_SIGNATURE"]
    moved = db.session.execute(
        update(Signature)
        .where(Signature.id == signature_id, Signature.email_count < cap)
        .values(email_count=Signature.email_count + 1)
    ).rowcount
    if moved:
        db.session.execute(
            update(AuditSample).where(AuditSample.id == sample_id).values(counted=True)
        )
    db.session.commit()
    return bool(moved)


def settle(sample_id: int, claimant: str, state: str, error: str | None = None) -> bool:
    """Sent, failed or skipped: only by the job holding the claim."""
    moved = db.session.execute(
        update(AuditSample)
        .where(
            AuditSample.id == sample_id,
            AuditSample.state == SampleState.SENDING,
            AuditSample.claimed_by == claimant,
        )
        .values(state=state, sent_at=utcnow() if state == SampleState.SENT else None, error=error)
    ).rowcount
    db.session.commit()
    return bool(moved)


def skip_unsent(audit_id: int, claimant: str | None = None) -> None:
    """The audit is closed: its unsent rows will never be sent. With `claimant`,
    the rows that job holds; without, the rows no job holds."""
    held = (
        and_(AuditSample.state == SampleState.SENDING, AuditSample.claimed_by == claimant)
        if claimant
        else AuditSample.state == SampleState.QUEUED
    )
    db.session.execute(
        update(AuditSample)
        .where(AuditSample.audit_id == audit_id, held)
        .values(state=SampleState.SKIPPED)
    )


def unsettled(audit_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditSample)
        .where(AuditSample.audit_id == audit_id, AuditSample.state.in_(SampleState.WAITING))
    )


def is_open(audit_id: int) -> bool:
    return (
        db.session.scalar(select(SampleAudit.state).where(SampleAudit.id == audit_id))
        == AuditState.OPEN
    )


def open_ids() -> list[int]:
    """The audits open now."""
    return db.session.scalars(
        select(SampleAudit.id).where(SampleAudit.state == AuditState.OPEN)
    ).all()
