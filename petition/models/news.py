"""News to signers: an organizer's update, and one delivery row per (update,
signature) that says whether that signer got it. Constraints live here; no I/O."""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db
from .core import utcnow


class UpdateState:
    DRAFT = "draft"  # being written: preview and test sends only
    SENDING = "sending"  # deliveries created, the worker sends them in batches
    SENT = "sent"  # every delivery settled
    CANCELLED = "cancelled"  # stopped while sending: the deliveries left stay unsent
    ALL = (DRAFT, SENDING, SENT, CANCELLED)
    #: Shown on the public page (the people who received it may share it anyway).
    PUBLISHED = (SENDING, SENT)


class DeliveryState:
    QUEUED = "queued"  # waiting for its batch
    SENDING = "sending"  # claimed by a job (claimed_by); sent or reclaimed after a crash
    SENT = "sent"
    FAILED = "failed"  # refused for good by the SMTP server
    SKIPPED = "skipped"  # the signer withdrew, unsubscribed or was invalidated before their turn
    ALL = (QUEUED, SENDING, SENT, FAILED, SKIPPED)


class PetitionUpdate(db.Model):
    """A piece of news about a petition, written by its organizers in Markdown."""

    __tablename__ = "petition_updates"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    state = db.Column(db.String(10), nullable=False, default=UpdateState.DRAFT)
    organizer_id = db.Column(db.Integer, db.ForeignKey("organizers.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = db.Column(db.DateTime(timezone=True))  # sending started (the public date)
    finished_at = db.Column(db.DateTime(timezone=True))
    cancelled_at = db.Column(db.DateTime(timezone=True))

    petition = db.relationship("Petition")
    organizer = db.relationship("Organizer")

    __table_args__ = (
        CheckConstraint("state in ('draft', 'sending', 'sent', 'cancelled')", name="state"),
        Index("ix_petition_updates_petition_state", "petition_id", "state"),
    )


class UpdateDelivery(db.Model):
    """One signer's copy of one update. The unique constraint means a signer is
    listed once per update; the guarded claim (services/news.py) that each row is
    sent by one job at a time."""

    __tablename__ = "update_deliveries"

    id = db.Column(db.Integer, primary_key=True)
    update_id = db.Column(
        db.Integer, db.ForeignKey("petition_updates.id", ondelete="CASCADE"), nullable=False
    )
    signature_id = db.Column(
        db.Integer, db.ForeignKey("signatures.id", ondelete="CASCADE"), nullable=False
    )
    state = db.Column(db.String(10), nullable=False, default=DeliveryState.QUEUED)
    claimed_by = db.Column(db.String(100))
    claimed_at = db.Column(db.DateTime(timezone=True))
    sent_at = db.Column(db.DateTime(timezone=True))
    unsubscribed_at = db.Column(db.DateTime(timezone=True))
    error = db.Column(db.String(200))

    __table_args__ = (
        UniqueConstraint("update_id", "signature_id"),
        CheckConstraint(
            "state in ('queued', 'sending', 'sent', 'failed', 'skipped')", name="state"
        ),
        Index("ix_update_deliveries_update_state", "update_id", "state"),
    )
