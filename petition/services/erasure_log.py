"""The erasure log (models/privacy.py): recorded with each withdrawal,
exported to be kept beside the backups, replayed after a restore.

A backup taken before a withdrawal still holds that signer's data; restoring
it must not bring them back. `replay` takes each logged erasure again on the
restored rows: the same guarded UPDATE as a withdrawal, the count moved once,
and the log row itself restored, so replaying twice changes nothing.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import select, update

from ..extensions import db
from ..models import Erasure, Signature, SignatureSource, SignatureState, utcnow
from . import counters
from .erasure import ERASED, delete_linked, not_erased

FIELDS = ("signature_id", "token_nonce", "petition_id", "reason", "erased_at")


def record(signature: Signature, reason: str = "withdrawal") -> None:
    """Log the erasure of `signature` in the caller's transaction."""
    db.session.add(
        Erasure(
            signature_id=signature.id,
            token_nonce=signature.token_nonce,
            petition_id=signature.petition_id,
            reason=reason,
            erased_at=utcnow(),
        )
    )


def export(out, since: datetime | None = None) -> int:
    """Write the log as CSV to `out` (oldest first); returns the rows written."""
    query = select(Erasure).order_by(Erasure.erased_at, Erasure.id)
    if since is not None:
        query = query.where(Erasure.erased_at >= since)
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    n = 0
    for row in db.session.scalars(query):
        writer.writerow(
            [
                row.signature_id,
                row.token_nonce,
                row.petition_id,
                row.reason,
                row.erased_at.isoformat(),
            ]
        )
        n += 1
    return n


def read(lines: Iterable[str]) -> Iterator[dict]:
    for row in csv.DictReader(lines):
        yield {
            "signature_id": int(row["signature_id"]),
            "token_nonce": row["token_nonce"],
            "petition_id": int(row["petition_id"]),
            "reason": row["reason"],
            "erased_at": datetime.fromisoformat(row["erased_at"]),
        }


def replay(entries: Iterable[dict]) -> int:
    """Erase again every logged row that a restore brought back; returns how many."""
    erased, petitions = 0, set()
    for entry in entries:
        erased += _replay_one(entry, petitions)
    db.session.commit()
    for petition_id in petitions:
        counters.changed(petition_id)
    return erased


def _replay_one(entry, petitions):
    known = db.session.scalar(
        select(Erasure.id).where(
            Erasure.signature_id == entry["signature_id"],
            Erasure.token_nonce == entry["token_nonce"],
        )
    )
    if known is None:
        db.session.add(Erasure(**entry))
    row = db.session.execute(
        select(Signature.state, Signature.source).where(
            Signature.id == entry["signature_id"],
            Signature.token_nonce == entry["token_nonce"],
            not_erased(),
        )
    ).first()
    if row is None:
        return 0
    delete_linked(Signature.id == entry["signature_id"])
    db.session.execute(
        update(Signature)
        .where(Signature.id == entry["signature_id"], Signature.state == row.state)
        .values(state=SignatureState.WITHDRAWN, withdrawn_at=entry["erased_at"], **ERASED)
    )
    if row.state == SignatureState.VERIFIED:
        paper = -1 if row.source == SignatureSource.PAPER else 0
        counters.adjust(entry["petition_id"], -1, paper=paper)
        petitions.add(entry["petition_id"])
    return 1
