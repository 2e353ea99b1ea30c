"""Signed attestations of support, kept so anyone can look one up by its id."""

from ..extensions import db
from .core import utcnow


class Attestation(db.Model):
    """One attestation: the signed JSON envelope and its PDF, as issued.

    The id is random (not a sequence): whoever holds it may look the
    attestation up at /verifier, nobody can list them.
    """

    __tablename__ = "attestations"

    id = db.Column(db.String(24), primary_key=True)
    petition_id = db.Column(
        db.Integer, db.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organizer_id = db.Column(db.Integer, db.ForeignKey("organizers.id", ondelete="SET NULL"))
    actor = db.Column(db.String(254), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    kid = db.Column(db.String(64), nullable=False)
    verified_total = db.Column(db.Integer, nullable=False)
    export_sha256 = db.Column(db.String(64), nullable=False)
    document = db.Column(db.Text, nullable=False)  # the envelope, canonical JSON
    pdf = db.Column(db.LargeBinary, nullable=False)

    petition = db.relationship("Petition")
