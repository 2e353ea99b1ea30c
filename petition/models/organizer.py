"""Organizers, the petitions they may see, and what they did (moderation,
exports). Constraints live here; no I/O."""

import hashlib

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db
from .core import Signature, utcnow

#: Indexes behind the dashboard's "latest signatures" and "failed emails".
Index("ix_signatures_petition_created", Signature.petition_id, Signature.created_at)
Index("ix_signatures_petition_email_failed", Signature.petition_id, Signature.email_failed_at)

organizer_petitions = db.Table(
    "organizer_petitions",
    db.Column(
        "organizer_id",
        db.Integer,
        db.ForeignKey("organizers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    db.Column(
        "petition_id",
        db.Integer,
        db.ForeignKey("petitions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Organizer(UserMixin, db.Model):
    __tablename__ = "organizers"

    id = db.Column(db.Integer, primary_key=True)
    # Stored lower-cased: one account per address whatever the spelling.
    email = db.Column(db.String(254), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False, default="")
    # NULL until the invitation is accepted: no password, no login.
    password_hash = db.Column(db.String(256))
    is_admin = db.Column(db.Boolean, nullable=False, default=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime(timezone=True))
    # Bumped on deactivation: part of the session id, so sessions opened
    # before it stay ended even once the account is reactivated.
    session_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    petitions = db.relationship(
        "Petition", secondary=organizer_petitions, order_by="Petition.title"
    )

    @property
    def is_active(self):
        return bool(self.active)

    def fingerprint(self):
        """Changes whenever the password or the session version does: binds
        sessions and tokens to it, so a reset or a deactivation logs sessions
        out and a link works only once."""
        seed = f"{self.password_hash or ''}:{self.session_version or 0}"
        return hashlib.sha256(seed.encode()).hexdigest()[:16]

    def get_id(self):
        return f"{self.id}:{self.fingerprint()}"

    def __repr__(self):
        return f"<Organizer {self.id} {self.email}>"


class PendingGrant(db.Model):
    """A petition offered to an existing account, until it accepts or declines.

    The emailed link carries `nonce`: a newer invitation replaces it, and the
    row is deleted once answered, so each link works once.
    """

    __tablename__ = "pending_grants"

    id = db.Column(db.Integer, primary_key=True)
    organizer_id = db.Column(
        db.Integer, db.ForeignKey("organizers.id", ondelete="CASCADE"), nullable=False
    )
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    inviter_id = db.Column(db.Integer, db.ForeignKey("organizers.id", ondelete="SET NULL"))
    nonce = db.Column(db.String(32), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    organizer = db.relationship("Organizer", foreign_keys=[organizer_id])
    inviter = db.relationship("Organizer", foreign_keys=[inviter_id])
    petition = db.relationship("Petition")

    __table_args__ = (UniqueConstraint("organizer_id", "petition_id"),)


class ModerationAction(db.Model):
    """One invalidation or restoration: who, when, what (rule), why, how many."""

    __tablename__ = "moderation_actions"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    organizer_id = db.Column(db.Integer, db.ForeignKey("organizers.id", ondelete="SET NULL"))
    actor = db.Column(db.String(254), nullable=False)  # e-mail at the time, or "cli"
    action = db.Column(db.String(12), nullable=False)
    rule = db.Column(db.Text, nullable=False)  # JSON: the criteria, or the signature id
    reason = db.Column(db.String(300), nullable=False)
    rows = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    restored_at = db.Column(db.DateTime(timezone=True))

    organizer = db.relationship("Organizer")

    __table_args__ = (
        CheckConstraint("action in ('invalidate', 'restore')", name="action"),
        Index("ix_moderation_actions_petition_created", "petition_id", "created_at"),
    )


class ModerationItem(db.Model):
    """A signature an action moved, and the state it had, so it can be restored."""

    __tablename__ = "moderation_items"

    action_id = db.Column(
        db.Integer,
        db.ForeignKey("moderation_actions.id", ondelete="CASCADE"),
        primary_key=True,
    )
    signature_id = db.Column(
        db.Integer, db.ForeignKey("signatures.id", ondelete="CASCADE"), primary_key=True
    )
    previous_state = db.Column("previous_status", db.String(12), nullable=False)

    __table_args__ = (Index("ix_moderation_items_signature_id", "signature_id"),)


class ExportLog(db.Model):
    """One export: started with its filters; rows and sha256 written once the
    last byte went out (an interrupted download keeps them NULL)."""

    __tablename__ = "export_logs"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    organizer_id = db.Column(db.Integer, db.ForeignKey("organizers.id", ondelete="SET NULL"))
    actor = db.Column(db.String(254), nullable=False)
    filters = db.Column(db.Text, nullable=False)  # JSON, with the delimiter
    filename = db.Column(db.String(200), nullable=False)
    rows = db.Column(db.Integer)
    sha256 = db.Column(db.String(64))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True))

    organizer = db.relationship("Organizer")
    petition = db.relationship("Petition")

    __table_args__ = (Index("ix_export_logs_petition_created", "petition_id", "created_at"),)


class AuditEvent(db.Model):
    """One line of a petition's audit log: an access change, a login, a failed
    login, an export or a moderation action. `petition_id` is NULL for what
    concerns no petition (a failed login on an unknown address, an account with
    none): administrators see those. Kept AUDIT_RETENTION_DAYS."""

    __tablename__ = "audit_events"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"))
    organizer_id = db.Column(db.Integer, db.ForeignKey("organizers.id", ondelete="SET NULL"))
    actor = db.Column(db.String(254), nullable=False)  # e-mail at the time, or "cli"
    kind = db.Column(db.String(24), nullable=False)
    subject = db.Column(db.String(254))  # the account the change is about
    details = db.Column(db.Text, nullable=False, default="{}")  # JSON
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_audit_events_petition_created", "petition_id", "created_at"),
        Index("ix_audit_events_created", "created_at"),
    )
