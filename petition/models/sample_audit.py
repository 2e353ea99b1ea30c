"""Sample audits: an organizer asks a random sample of verified signers to
confirm that they signed. Constraints live here; no I/O."""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db
from .core import new_token_nonce, utcnow


class AuditState:
    OPEN = "open"  # emails being sent, answers being recorded
    CLOSED = "closed"  # closed by an organizer: no more emails, no more answers
    ALL = (OPEN, CLOSED)


class SampleState:
    QUEUED = "queued"  # waiting for the worker
    SENDING = "sending"  # claimed by a job (claimed_by); sent or reclaimed after a crash
    SENT = "sent"
    FAILED = "failed"  # refused for good by the SMTP server
    SKIPPED = "skipped"  # no longer verified, or its email cap reached, before its turn
    ALL = (QUEUED, SENDING, SENT, FAILED, SKIPPED)
    WAITING = (QUEUED, SENDING)


class Answer:
    YES = "yes"
    NO = "no"
    ALL = (YES, NO)


class SampleAudit(db.Model):
    """One audit of a petition: how many signers were drawn from how many."""

    __tablename__ = "sample_audits"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    organizer_id = db.Column(db.Integer, db.ForeignKey("organizers.id", ondelete="SET NULL"))
    state = db.Column(db.String(10), nullable=False, default=AuditState.OPEN)
    population = db.Column(db.Integer, nullable=False)  # verified signatures when drawn
    requested = db.Column(db.Integer, nullable=False)  # the size the organizer asked for
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    closed_at = db.Column(db.DateTime(timezone=True))

    petition = db.relationship("Petition")

    __table_args__ = (
        CheckConstraint("state in ('open', 'closed')", name="state"),
        CheckConstraint("requested > 0", name="requested_positive"),
        Index("ix_sample_audits_petition", "petition_id"),
    )


class AuditSample(db.Model):
    """One signer drawn for an audit. Unique per (petition, signature): nobody
    is drawn twice for a petition, whatever the audit. Deleted when the
    signer's data are erased (services/erasure.py)."""

    __tablename__ = "audit_samples"

    id = db.Column(db.Integer, primary_key=True)
    audit_id = db.Column(
        db.Integer, db.ForeignKey("sample_audits.id", ondelete="CASCADE"), nullable=False
    )
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    signature_id = db.Column(
        db.Integer, db.ForeignKey("signatures.id", ondelete="CASCADE"), nullable=False
    )
    # Carried by the emailed link: a link never acts on another row that got this id.
    nonce = db.Column(db.String(32), nullable=False, default=new_token_nonce)
    state = db.Column(db.String(10), nullable=False, default=SampleState.QUEUED)
    claimed_by = db.Column(db.String(100))
    claimed_at = db.Column(db.DateTime(timezone=True))
    # The signature's email_count was moved for this email (once, even if retried).
    counted = db.Column(db.Boolean, nullable=False, default=False)
    sent_at = db.Column(db.DateTime(timezone=True))
    error = db.Column(db.String(200))
    answer = db.Column(db.String(3))
    answered_at = db.Column(db.DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("petition_id", "signature_id"),
        CheckConstraint(
            "state in ('queued', 'sending', 'sent', 'failed', 'skipped')", name="state"
        ),
        CheckConstraint("answer is null or answer in ('yes', 'no')", name="answer"),
        Index("ix_audit_samples_audit_state", "audit_id", "state"),
    )
