"""The export as a file: its log, the streamed bytes and their SHA-256."""

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from datetime import date
from typing import BinaryIO

from sqlalchemy import select

from ...extensions import db
from ...models import ExportLog, Organizer, Petition, utcnow
from .. import audit
from . import postgres, sqlite
from .columns import COLUMNS
from .filters import Filters


def filename(petition: Petition, today: date | None = None) -> str:
    return f"{petition.slug}-signataires-{(today or utcnow().date()).isoformat()}.csv"


def start(petition: Petition, filters: Filters, actor: Organizer | str) -> ExportLog:
    """Log the export (rows and hash come at the end); commits."""
    entry = ExportLog(
        petition_id=petition.id,
        organizer_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or str(actor),
        filters=json.dumps(filters.as_dict(), ensure_ascii=False, sort_keys=True),
        filename=filename(petition),
    )
    db.session.add(entry)
    db.session.flush()
    audit.record([petition.id], audit.Kind.EXPORT, actor, export_id=entry.id)
    db.session.commit()
    return entry


def stream(
    petition: Petition, filters: Filters, log_id: int, snapshot: str | None = None
) -> Iterator[bytes]:
    """The CSV as an iterator of bytes chunks; the ExportLog is completed at the end.

    The id is read now: a server iterates the body after the view returned and
    the app context (with its session) was torn down, so the generator must
    hold no ORM object. `snapshot` (PostgreSQL): a snapshot exported by an open
    transaction (`pg_export_snapshot()`), so the rows are the ones it saw.
    """
    return _stream(petition.id, filters, log_id, snapshot)


def _stream(petition_id, filters, log_id, snapshot=None):
    digest = hashlib.sha256()
    postgresql = db.engine.dialect.name == "postgresql"
    header = io.StringIO()
    csv.writer(
        header,
        delimiter=filters.delimiter,
        lineterminator="\n" if postgresql else sqlite.NEWLINE,  # COPY ends lines with LF
    ).writerow([h for h, _c in COLUMNS])
    first = codecs.BOM_UTF8 + header.getvalue().encode()
    digest.update(first)
    yield first
    rows = [0]
    if postgresql:
        chunks = postgres.body(petition_id, filters, rows, snapshot)
    else:
        chunks = sqlite.body(petition_id, filters, rows)
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    _finish(log_id, rows[0], digest.hexdigest())


def _finish(log_id, rows, sha256):
    entry = db.session.get(ExportLog, log_id)
    entry.rows, entry.sha256, entry.finished_at = rows, sha256, utcnow()
    db.session.commit()


def export_to_file(
    petition: Petition,
    filters: Filters,
    actor: Organizer | str,
    out: BinaryIO,
    snapshot: str | None = None,
) -> ExportLog:
    """Write the CSV to a binary file object; returns the completed ExportLog."""
    entry = start(petition, filters, actor)
    for chunk in stream(petition, filters, entry.id, snapshot):
        out.write(chunk)
    db.session.refresh(entry)
    return entry


def logs(petition: Petition, limit: int = 20) -> Sequence[ExportLog]:
    return db.session.scalars(
        select(ExportLog)
        .where(ExportLog.petition_id == petition.id)
        .order_by(ExportLog.created_at.desc(), ExportLog.id.desc())
        .limit(limit)
    ).all()


def finished_log(petition: Petition, export_id: int) -> ExportLog | None:
    entry = db.session.get(ExportLog, export_id)
    if entry is None or entry.petition_id != petition.id or entry.sha256 is None:
        return None
    return entry
