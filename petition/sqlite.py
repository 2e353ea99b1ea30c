"""SQLite tuned for a web server with several processes writing at once.

The defaults (rollback journal, fsync on every commit) make writers block
readers and cap signing at a few hundred commits a second. WAL lets readers
run beside the one writer; synchronous=NORMAL in WAL mode still never
corrupts the database (a power cut may lose the last commits, not the file);
busy_timeout makes a writer wait for the lock instead of failing at once.
foreign_keys=ON makes SQLite enforce the foreign keys (and their ON DELETE
CASCADE) as PostgreSQL does: off by default, a purged signature would leave
its moderation items behind, pointing at whichever row later reuses its id.
Migrations turn it off while they rebuild tables (migrations/env.py).
PostgreSQL is untouched: this listens to SQLite connections only.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
)


def _on_connect(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def install():
    """Apply the pragmas to every SQLite connection opened from now on (idempotent)."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
