"""The erasure log: which signature rows were erased at the signer's request.

A restore from a backup brings back the personal data of everyone who
withdrew after that backup was taken. This log lets the operator take those
erasures again (`flask privacy replay-erasures`, docs/operations.md): it holds
no personal data, only the row's id and nonce, so it may be kept (and copied
off the database host) longer and more often than the backups themselves.
Retention erasures need no log: the chores redo them from the dates.
"""

from ..extensions import db
from .core import utcnow


class Erasure(db.Model):
    __tablename__ = "erasures"

    id = db.Column(db.Integer, primary_key=True)
    # No foreign key: the log outlives the row (the purge may delete it later).
    signature_id = db.Column(db.Integer, nullable=False, index=True)
    token_nonce = db.Column(db.String(32), nullable=False)
    petition_id = db.Column(db.Integer, nullable=False)
    reason = db.Column(db.String(20), nullable=False, default="withdrawal")
    erased_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
