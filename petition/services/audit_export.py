"""A petition's audit log as CSV, through the signer export's formula guard
(apart from services/audit.py, which the export itself writes to)."""

import csv
import io

from ..models import Petition
from . import audit, exports


def as_csv(petition: Petition, describe) -> str:
    """The whole log as CSV (`;`, UTF-8 with BOM for Excel), sentences written
    by `describe(event)`; every cell passes the export's formula guard."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["date_utc", "actor", "kind", "subject", "event"])
    for event in audit.events(petition, limit=None):
        created = event.created_at.strftime("%Y-%m-%d %H:%M:%S")
        row = [created, event.actor, event.kind, event.subject or "", describe(event)]
        writer.writerow([exports.neutralise(cell) for cell in row])
    return out.getvalue()
