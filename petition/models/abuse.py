"""Abuse resistance: event windows, and the indexes the soft signals read.

An event window lifts the per-IP signing limit of one petition for a while:
for one network (the venue's IP, stored as a keyed hash like every IP), or
for whoever opens the event's QR link (a signed token naming the window).
"""

from sqlalchemy import CheckConstraint, Index

from ..extensions import db
from .core import Signature, _aware, utcnow


class EventWindow(db.Model):
    __tablename__ = "event_windows"

    id = db.Column(db.Integer, primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False
    )
    label = db.Column(db.String(120), nullable=False, default="")
    # NULL: the window is opened only by its QR link, not by a network.
    ip_hash = db.Column(db.String(64))
    starts_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    ends_at = db.Column(db.DateTime(timezone=True), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    petition = db.relationship("Petition")

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_event_windows_petition_ends", "petition_id", "ends_at"),
    )

    def is_active(self, now=None):
        now = now or utcnow()
        return _aware(self.starts_at) <= now < _aware(self.ends_at)

    def __repr__(self):
        return f"<EventWindow {self.id} petition={self.petition_id}>"


# Soft signals count recent signatures per IP hash and per email domain.
Index("ix_signatures_ip_hash_created", Signature.ip_hash, Signature.created_at)
Index("ix_signatures_domain_created", Signature.email_domain, Signature.created_at)
