"""Writing one chunk of a stock file into the register's tables.

Each chunk is whole CSV records (chunks.py cuts it), written inside the
transaction that also records it in `sirene_import_chunks`: on the import's own
connection, or on one of the loader's `connections` loading chunks at once
(PostgreSQL: complete and filtered imports alike; the file holds each number
once, so no two chunks write the same row). Every
loader answers `start(job_id, resumed)` (False: what a resumed import had
written is gone, start over), `load(chunk)` (rows kept) and `finish()` (after
the last chunk, in the transaction that marks the import done: the number of
stock rows removed, or None to let stock.py remove them).

- SQLite: the csv module parses the chunk and `executemany` upserts the kept
  columns.
- PostgreSQL, filtered import: the raw bytes go through COPY into a temporary
  table shaped like the file, and one INSERT … SELECT … ON CONFLICT converts
  and upserts them into the register (Python never parses a row).
- PostgreSQL, complete import: the same COPY, then a plain INSERT … SELECT into
  a fresh table without indexes (`<table>_load`); after the last chunk, in one
  transaction, the API's answers the file does not replace are carried over,
  the primary key and indexes are built, and the fresh table replaces the old
  one. Maintaining three indexes row by row cost two thirds of the import; and
  until the swap, lookups read the previous register, complete and indexed.
"""

import logging
import queue
import re
import threading
import time

import psycopg
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models.core import utcnow
from . import columns, records
from .columns import FLAG, NOT_DIFFUSED, NUMBER, PERSON, UNITS

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_BLANK = re.compile(rb"\n\n+")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
SOURCE = "stock"

log = logging.getLogger(__name__)


def loader_for(conn, kind, header, communes, connections=1):
    """The loader of this database for a file of `kind` with this `header`;
    `connections` at most load its chunks at once (its `connections`)."""
    if conn.dialect.name != "postgresql":
        cls = SqliteSwapLoader if communes is None else SqliteLoader
        return cls(conn, kind, header, communes)
    cls = PostgresSwapLoader if communes is None else PostgresLoader
    return cls(conn, kind, header, communes, connections)


def _lengths(table):
    return {c.name: getattr(c.type, "length", None) for c in db.metadata.tables[table].c}


def _upsert_tail(key, names):
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != key)
    return f" ON CONFLICT ({key}) DO UPDATE SET {updates}"


class SqliteLoader:
    #: Bytes read and committed at a time, unless the caller says otherwise.
    chunk_size = 1024 * 1024

    def __init__(self, conn, kind, header, communes):
        self.conn, self.kind = conn, kind
        table, key, kept = columns.KEPT[kind]
        index = {name: i for i, name in enumerate(header)}
        needed = list(dict.fromkeys(columns.required(kind)))
        number = {name: f"?{i + 1}" for i, name in enumerate(needed)}
        keep_at, keep = self._filter(index, communes)
        self.parse = ([index[name] for name in needed], len(header), keep_at, keep)
        names = [ours for ours, _s, _c in kept] + ["source", "updated_at"]
        exprs = _expressions(kept, _lengths(table), number.__getitem__, postgres=False)
        exprs += [f"'{SOURCE}'", f"?{len(needed) + 1}"]
        self.sql = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(exprs)})"
            + _upsert_tail(key, names)
        )

    def _filter(self, index, communes):
        if communes is None:
            return None, None
        if self.kind != UNITS:
            return index[columns.COMMUNE], frozenset(communes)
        return index["siren"], frozenset(_sirens_in(self.conn, communes))

    def start(self, job_id, resumed):
        return True

    #: Connections loading chunks at once: one, SQLite has one writer.
    connections = 1

    def finish(self):
        return None

    #: Python parses the records: a helper process may do it (chunks.py).
    parses = True

    def parse_args(self, chunk):
        """The arguments of `records.rows` that make this chunk's rows."""
        stamp = (utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"),)  # SQLAlchemy's SQLite format
        return (chunk, *self.parse, stamp)

    def write(self, rows):
        """Python only picked the columns; SQL converts them (as on PostgreSQL)."""
        if rows:
            self.conn.exec_driver_sql(self.sql, rows)
        return len(rows)

    def load(self, chunk):
        return self.write(records.rows(*self.parse_args(chunk)))


class SqliteSwapLoader(SqliteLoader):
    """Complete imports on SQLite: as on PostgreSQL, a fresh table (same
    definition, primary key included) named after the import, whose other
    indexes are built at the swap; readers see the old table until then."""

    def __init__(self, conn, kind, header, communes):
        super().__init__(conn, kind, header, communes)
        self.table, self.key, kept = columns.KEPT[kind]
        self.names = [ours for ours, _s, _c in kept] + ["source", "updated_at"]
        self.fresh = None

    def start(self, job_id, resumed):
        run = self.conn.exec_driver_sql
        fresh = f"{self.table}_load_{int(job_id)}"
        stale = [
            name
            for (name,) in run(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
                (f"{self.table}_load_%",),
            )
        ]
        if resumed and fresh not in stale:
            return False
        self._point_at(fresh)
        if resumed:
            return True
        for name in stale:
            run(f'DROP TABLE "{name}"')
        ddl = run(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (self.table,)
        ).scalar()
        ddl, found = _TABLE_NAME.subn(f'CREATE TABLE "{fresh}"', ddl, count=1)
        if not found:
            raise ValueError(f"unexpected definition of {self.table}: {ddl[:80]}")
        run(ddl)
        self.conn.commit()
        return True

    def _point_at(self, fresh):
        self.fresh = fresh
        self.sql = self.sql.replace(f"INSERT INTO {self.table} ", f'INSERT INTO "{fresh}" ', 1)

    def finish(self):
        """Carry over the API's answers, swap, build the indexes; the caller commits."""
        table, fresh, key = self.table, f'"{self.fresh}"', self.key
        names = ", ".join(self.names)
        run = self.conn.exec_driver_sql
        run(
            f"INSERT INTO {fresh} ({names}) SELECT {names} FROM {table} AS old"
            f" WHERE old.source <> '{SOURCE}' AND NOT EXISTS"
            f" (SELECT 1 FROM {fresh} AS new WHERE new.{key} = old.{key})"
        )
        removed = run(
            f"SELECT count(*) FROM {table} AS old WHERE old.source = '{SOURCE}' AND NOT EXISTS"
            f" (SELECT 1 FROM {fresh} AS new WHERE new.{key} = old.{key})"
        ).scalar()
        indexes = [
            sql
            for (sql,) in run(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL",
                (table,),
            )
        ]
        run(f"DROP TABLE {table}")
        run(f"ALTER TABLE {fresh} RENAME TO {table}")
        for sql in indexes:
            run(sql)
        return removed


_TABLE_NAME = re.compile(r"^CREATE TABLE\s+(\"[^\"]+\"|\S+)", re.IGNORECASE)


def _sirens_in(conn, communes):
    """SIRENs of the establishments already imported in these communes."""
    codes, found = sorted(communes), set()
    for start in range(0, len(codes), 500):
        part = codes[start : start + 500]
        marks = ", ".join("?" for _ in part)
        sql = f"SELECT DISTINCT siren FROM sirene_establishments WHERE commune IN ({marks})"
        found.update(siren for (siren,) in conn.exec_driver_sql(sql, tuple(part)))
    return found


class PostgresLoader:
    """Filtered imports: each chunk upserted into the register itself."""

    #: A COPY of 1 MiB keeps the temporary table within `temp_buffers` (8 MB).
    chunk_size = 1024 * 1024

    def __init__(self, conn, kind, header, communes, connections=1):
        # COPY parses on one core per connection, and the file holds each
        # number once, so chunks loaded at once never write the same row.
        self.connections = max(1, connections)
        bad = [name for name in header if not _IDENTIFIER.match(name)]
        if bad:
            raise ValueError(f"unexpected column names in the header: {bad[:3]}")
        self.conn, self.kind, self.communes = conn, kind, sorted(communes or ())
        self.table, self.key, kept = columns.KEPT[kind]
        self.names = [ours for ours, _s, _c in kept] + ["source", "updated_at"]
        self.temp = f"sirene_load_{kind}"
        names = ", ".join(f'"{name}"' for name in header)
        typed = ", ".join(f'"{name}" text' for name in header)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{self.temp}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {self.temp} ({typed}) ON COMMIT DELETE ROWS")
        self.copy_sql = f"COPY {self.temp} ({names}) FROM STDIN (FORMAT csv)"
        tail = _upsert_tail(self.key, self.names)
        self.write_sqls = self._inserts(self.table, communes is not None, tail)

    def start(self, job_id, resumed):
        return True

    def finish(self):
        return None

    def _inserts(self, into, filtered, tail=""):
        """The chunk's INSERT … SELECT, trusting then careful (see `load`)."""
        return tuple(self._insert(into, filtered, careful) + tail for careful in (False, True))

    def _insert(self, into, filtered, careful):
        kept = columns.KEPT[self.kind][2]
        exprs = _expressions(
            kept, _lengths(self.table), lambda name: f'"{name}"', postgres=True, careful=careful
        )
        exprs += [f"'{SOURCE}'", "%(stamp)s"]  # this process's clock, as on SQLite
        where = ""
        if filtered and self.kind == UNITS:
            where = (
                ' WHERE "siren" IN (SELECT siren FROM sirene_establishments'
                " WHERE commune = ANY(%(communes)s))"
            )
        elif filtered:
            where = f' WHERE "{columns.COMMUNE}" = ANY(%(communes)s)'
        return (
            f"INSERT INTO {into} ({', '.join(self.names)}) SELECT {', '.join(exprs)} "
            f"FROM {self.temp}{where}"
        )

    #: The database parses the records (COPY): no helper process.
    parses = False

    def load(self, chunk):
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur:
            # A crash may lose the last chunks' commits, never one without its
            # ledger row (same transaction): the resumed import writes them again.
            cur.execute("SET LOCAL synchronous_commit = off")
            with cur.copy(self.copy_sql) as copy:
                copy.write(_lines(chunk))
            kept = self._write(cur, {"communes": self.communes, "stamp": utcnow()})
        return kept  # the commit empties the temporary table (ON COMMIT DELETE ROWS)

    def _write(self, cur, params):
        """The trusting INSERT first: it lets PostgreSQL's own casts check the
        values (a number, a length) instead of testing each one, a third of the
        conversion's time. A chunk it refuses (a malformed value) is written
        again by the careful one, which keeps the row and leaves the value
        NULL or cut to its length, as on SQLite."""
        trusting, careful = self.write_sqls
        cur.execute("SAVEPOINT sirene_chunk")
        try:
            cur.execute(trusting, params)
        except psycopg.DataError:
            cur.execute("ROLLBACK TO SAVEPOINT sirene_chunk")
            cur.execute(careful, params)
        return cur.rowcount


class PostgresSwapLoader(PostgresLoader):
    """Complete imports: a fresh table, indexed and swapped in at the end."""

    def __init__(self, conn, kind, header, communes, connections=1):
        super().__init__(conn, kind, header, communes, connections)
        self.fresh = f"{self.table}_load"
        self.write_sqls = self._inserts(self.fresh, False)

    def start(self, job_id, resumed):
        """A new import makes an empty fresh table, labelled with the import's
        id; a resumed one goes on with its own, or starts over if it is gone."""
        mark = f"sirene import {int(job_id)}"
        if resumed:
            found = self.conn.exec_driver_sql(
                "SELECT obj_description(to_regclass(%(t)s), 'pg_class')", {"t": self.fresh}
            ).scalar()
            return found == mark
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.fresh}")
        self.conn.exec_driver_sql(
            f"CREATE TABLE {self.fresh} (LIKE {self.table} INCLUDING DEFAULTS)"
        )
        self.conn.exec_driver_sql(f"COMMENT ON TABLE {self.fresh} IS '{mark}'")
        self.conn.commit()
        return True

    def finish(self):
        """Carry over, index, swap; the caller commits. Returns the stock rows
        of the old table the file no longer holds (they go with it)."""
        table, fresh, key = self.table, self.fresh, self.key
        names = ", ".join(self.names)
        indexes = sorted(db.metadata.tables[table].indexes, key=lambda index: index.name)
        builds = [
            f"CREATE INDEX IF NOT EXISTS {index.name}_load ON {fresh}"
            f" ({', '.join(c.name for c in index.columns)})"
            for index in indexes
        ]
        builds.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {fresh}_pkey ON {fresh} ({key})")
        try:
            _build_at_once(self.conn.engine, builds, self.connections)
        except IntegrityError:
            raise DuplicateNumbers(f"the file holds a {key} twice") from None
        run = self.conn.exec_driver_sql
        run(f"ALTER TABLE {fresh} ADD CONSTRAINT {fresh}_pkey PRIMARY KEY USING INDEX {fresh}_pkey")
        run(  # after the key: each of the few API rows is one index probe
            f"INSERT INTO {fresh} ({names}) SELECT {names} FROM {table} AS old"
            f" WHERE old.source <> '{SOURCE}' AND NOT EXISTS"
            f" (SELECT 1 FROM {fresh} AS new WHERE new.{key} = old.{key})"
        )
        removed = run(
            f"SELECT count(*) FROM {table} AS old WHERE old.source = '{SOURCE}' AND NOT EXISTS"
            f" (SELECT 1 FROM {fresh} AS new WHERE new.{key} = old.{key})"
        ).scalar()
        self._swap([index.name for index in indexes])
        return removed

    def _swap(self, index_names):
        """The fresh table takes the register's name. Dropping the old one waits
        for every transaction that read it, and readers queue behind that wait:
        each attempt waits `SWAP_WAIT` at most, then lets them through. Still
        held after `SWAP_ATTEMPTS` (a long report, a session left open): the
        fresh rows are upserted into the register instead, row locks only."""
        table, fresh, run = self.table, self.fresh, self.conn.exec_driver_sql
        for attempt in range(SWAP_ATTEMPTS):
            savepoint = self.conn.begin_nested()
            try:
                run(f"SET LOCAL lock_timeout = '{SWAP_WAIT}s'")
                run(f"DROP TABLE {table}")
            except OperationalError:  # lock_timeout: another transaction holds it
                savepoint.rollback()
                time.sleep(attempt)
                continue
            savepoint.commit()
            run(f"ALTER TABLE {fresh} RENAME TO {table}")
            run(f"ALTER TABLE {table} RENAME CONSTRAINT {fresh}_pkey TO {table}_pkey")
            for name in index_names:
                run(f"ALTER INDEX {name}_load RENAME TO {name}")
            run(f"COMMENT ON TABLE {table} IS NULL")
            return
        log.warning("%s in use by other transactions: upserting the import into it", table)
        run("SET LOCAL lock_timeout = 0")
        names = ", ".join(self.names)
        run(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {fresh}"
            + _upsert_tail(self.key, self.names)
        )
        run(
            f"DELETE FROM {table} AS old WHERE old.source = '{SOURCE}' AND NOT EXISTS"
            f" (SELECT 1 FROM {fresh} AS new WHERE new.{self.key} = old.{self.key})"
        )
        run(f"DROP TABLE {fresh}")


def _build_at_once(engine, statements, connections):
    """Build the fresh table's indexes on `connections` connections at once,
    each taking the next statement (the longest first), each build committed
    on its own: sorting is most of the import's last step, and one build
    leaves cores idle while it merges and writes. With several connections,
    each sorts on its own core (no parallel workers on top). A resumed import
    keeps the builds it had committed (IF NOT EXISTS). The first error is
    raised once every connection has stopped."""
    todo = queue.Queue()
    for statement in statements:
        todo.put(statement)
    errors = []

    def build():
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"SET maintenance_work_mem = '{INDEX_MEMORY}'")
                if connections > 1:
                    conn.exec_driver_sql("SET max_parallel_maintenance_workers = 0")
                while not errors:
                    try:
                        statement = todo.get_nowait()
                    except queue.Empty:
                        break
                    conn.exec_driver_sql(statement)
                    conn.commit()
                # a pooled connection keeps no setting of ours
                conn.exec_driver_sql("RESET maintenance_work_mem")
                conn.exec_driver_sql("RESET max_parallel_maintenance_workers")
                conn.commit()
        except Exception as error:  # noqa: BLE001 -- raised by the caller's thread
            errors.append(error)

    threads = [
        threading.Thread(target=build, name=f"sirene-index-{i}")
        for i in range(min(connections, len(statements)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


#: For building the fresh table's indexes, per connection (PostgreSQL's
#: default is 64MB): a million rows sort in memory.
INDEX_MEMORY = "256MB"

#: The swap's wait for the old table, per attempt (seconds), and the attempts.
SWAP_WAIT, SWAP_ATTEMPTS = 1, 3


class DuplicateNumbers(Exception):
    """A complete file that holds one number twice (the register's key)."""


def _lines(chunk):
    """COPY wants one line ending throughout and no blank line (a row of one
    NULL); the csv module, and so the SQLite path, already skips both."""
    if b"\r" in chunk:  # a scan; replace() would copy the chunk every time
        chunk = chunk.replace(b"\r\n", b"\n")
    if b"\n\n" in chunk:
        chunk = _BLANK.sub(b"\n", chunk)
    return chunk.lstrip(b"\n")


def _expressions(kept, lengths, ref, postgres, careful=True):
    """SQL that turns each official column (`ref(name)`: a column of the
    temporary table, or a numbered parameter) into our column's value: `[ND]`
    and empty as NULL, flags as booleans, coordinates as numbers. Not
    `careful` (PostgreSQL): no test before the cast to a number and no cut to
    the column's length, so a malformed value fails the statement instead."""

    def value(name):
        return f"NULLIF(NULLIF({ref(name)}, ''), '{NOT_DIFFUSED}')"

    def expression(ours, source, conv):
        if conv == FLAG:
            return f"CASE {ref(source)} WHEN 'true' THEN true WHEN 'false' THEN false END"
        if conv == NUMBER:
            number = ref(source)
            if postgres and not careful:  # what float8 reads, but never NaN or infinite
                cast = f"{value(source)}::float8"
                return f"NULLIF(NULLIF(NULLIF({cast}, 'NaN'), 'Infinity'), '-Infinity')"
            if postgres:
                return f"CASE WHEN {number} ~ '{_NUMBER.pattern}' THEN {number}::float8 END"
            test = f"{number} GLOB '[0-9-]*' AND {number} NOT GLOB '*[^0-9.-]*'"
            return f"CASE WHEN {test} THEN CAST({number} AS REAL) END"
        text = value(source)
        if conv == PERSON:
            forename = f"COALESCE({', '.join(value(c) for c in columns.FORENAMES)}, '')"
            surname = f"COALESCE({', '.join(value(c) for c in columns.SURNAMES)}, '')"
            text = f"COALESCE({text}, NULLIF(trim({forename} || ' ' || {surname}), ''))"
        return f"substr({text}, 1, {lengths[ours]})" if lengths[ours] and careful else text

    return [expression(ours, source, conv) for ours, source, conv in kept]
