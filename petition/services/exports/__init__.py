"""The verified-signer CSV export and its signed manifest.

Only verified rows leave (pending, withdrawn and invalidated never do). The
file is UTF-8 with a BOM (so Excel reads the accents), `;` by default (French
Excel) or `,`, and every cell a spreadsheet would take for a formula gets a
leading `'`. The database computes every cell (columns.py); PostgreSQL writes
the CSV itself with `COPY … TO STDOUT` (postgres.py), SQLite writes each line
and Python checks them a batch at a time (sqlite.py). The SHA-256 is computed
while streaming and stored in the ExportLog with the row count once the last
byte went out (stream.py); the manifest is built from that log and signed
(manifest.py).

The category column holds the category's name in the export's language
(`language`: the organizer's page language, `fr` for the CLI), so a reader
sees "Étudiant·e", not `student`; `flask petition export --keys` keeps the
machine keys for scripts (`language` empty).
"""

from .columns import COLUMNS, FORMULA_START, REGISTER, TEXT, neutralise
from .filters import (
    DELIMITERS,
    FIRST_DAY,
    LAST_DAY,
    PLACES,
    ExportError,
    Filters,
    category_labels,
    parse_filters,
    source_labels,
    status_labels,
)
from .manifest import MANIFEST_SALT, ManifestCheck, _signer, manifest, verify
from .postgres import query as _pg_query
from .sqlite import query as _sqlite_query
from .stream import export_to_file, filename, finished_log, logs, start, stream

__all__ = [
    "COLUMNS",
    "DELIMITERS",
    "FIRST_DAY",
    "FORMULA_START",
    "LAST_DAY",
    "MANIFEST_SALT",
    "PLACES",
    "REGISTER",
    "TEXT",
    "ExportError",
    "Filters",
    "ManifestCheck",
    "_pg_query",
    "_signer",
    "_sqlite_query",
    "category_labels",
    "export_to_file",
    "filename",
    "finished_log",
    "logs",
    "manifest",
    "neutralise",
    "parse_filters",
    "source_labels",
    "start",
    "status_labels",
    "stream",
    "verify",
]
