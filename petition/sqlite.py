"""SQLite tuned for a web server with several processes writing at once.

The defaults (rollback journal, fsync on every commit) make writers block
readers and cap signing at a few hundred commits a second. WAL lets readers
run beside the one writer; synchronous=NORMAL in WAL mode still never
corrupts the database (a power cut may lose the last commits, not the file);
busy_timeout makes a writer wait for the lock instead of failing at once.
PostgreSQL is untouched: this listens to SQLite connections only.
"""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
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
