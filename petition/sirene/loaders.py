"""Writing one chunk of a stock file into the register's tables.

Each chunk is whole CSV records (stock.py cuts it), written and upserted on
the import's own connection, inside the transaction that also moves the
import's offset. PostgreSQL: the raw bytes go through COPY into a temporary
table shaped like the file, and one INSERT … SELECT … ON CONFLICT converts and
upserts them (Python never parses a row). SQLite: the csv module parses the
chunk and `executemany` upserts the kept columns.
"""

import csv
import io
import re
from operator import itemgetter

from ..extensions import db
from ..models.core import utcnow
from . import columns
from .columns import FLAG, NOT_DIFFUSED, NUMBER, PERSON, UNITS

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_BLANK = re.compile(rb"\n\n+")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
SOURCE = "stock"


def loader_for(conn, kind, header, communes):
    """The loader of this database for a file of `kind` with this `header`."""
    cls = PostgresLoader if conn.dialect.name == "postgresql" else SqliteLoader
    return cls(conn, kind, header, communes)


def _lengths(table):
    return {c.name: getattr(c.type, "length", None) for c in db.metadata.tables[table].c}


def _upsert_tail(key, names):
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != key)
    return f" ON CONFLICT ({key}) DO UPDATE SET {updates}"


class SqliteLoader:
    def __init__(self, conn, kind, header, communes):
        self.conn, self.kind = conn, kind
        table, key, kept = columns.KEPT[kind]
        index = {name: i for i, name in enumerate(header)}
        self.width = len(header)
        needed = list(dict.fromkeys(columns.required(kind)))
        self.pick = itemgetter(*(index[name] for name in needed))
        number = {name: f"?{i + 1}" for i, name in enumerate(needed)}
        self.keep_at, self.keep = self._filter(index, communes)
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

    def load(self, chunk):
        """Python only picks the columns; SQL converts them (as on PostgreSQL)."""
        stamp = (utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"),)  # SQLAlchemy's SQLite format
        pick = self.pick
        rows = [pick(row) + stamp for row in self._records(chunk)]
        if rows:
            self.conn.exec_driver_sql(self.sql, rows)
        return len(rows)

    def _records(self, chunk):
        keep, at, width = self.keep, self.keep_at, self.width
        for row in csv.reader(io.StringIO(chunk.decode("utf-8"))):
            if len(row) == width and (keep is None or row[at] in keep):
                yield row


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
    def __init__(self, conn, kind, header, communes):
        bad = [name for name in header if not _IDENTIFIER.match(name)]
        if bad:
            raise ValueError(f"unexpected column names in the header: {bad[:3]}")
        self.conn, self.kind, self.communes = conn, kind, sorted(communes or ())
        self.temp = f"sirene_load_{kind}"
        names = ", ".join(f'"{name}"' for name in header)
        typed = ", ".join(f'"{name}" text' for name in header)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{self.temp}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {self.temp} ({typed}) ON COMMIT DELETE ROWS")
        self.copy_sql = f"COPY {self.temp} ({names}) FROM STDIN (FORMAT csv)"
        self.upsert = self._upsert(communes is not None)

    def _upsert(self, filtered):
        table, key, kept = columns.KEPT[self.kind]
        lengths = _lengths(table)
        names = [ours for ours, _s, _c in kept] + ["source", "updated_at"]
        exprs = _expressions(kept, lengths, lambda name: f'"{name}"', postgres=True)
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
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} "
            f"FROM {self.temp}{where}" + _upsert_tail(key, names)
        )

    def load(self, chunk):
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(self.copy_sql) as copy:
                copy.write(_lines(chunk))
            cur.execute(self.upsert, {"communes": self.communes, "stamp": utcnow()})
            kept = cur.rowcount
            cur.execute(f"TRUNCATE {self.temp}")
        return kept


def _lines(chunk):
    """COPY wants one line ending throughout and no blank line (a row of one
    NULL); the csv module, and so the SQLite path, already skips both."""
    chunk = chunk.replace(b"\r\n", b"\n")
    if b"\n\n" in chunk:
        chunk = _BLANK.sub(b"\n", chunk)
    return chunk.lstrip(b"\n")


def _expressions(kept, lengths, ref, postgres):
    """SQL that turns each official column (`ref(name)`: a column of the
    temporary table, or a numbered parameter) into our column's value: `[ND]`
    and empty as NULL, flags as booleans, coordinates as numbers."""

    def value(name):
        return f"NULLIF(NULLIF({ref(name)}, ''), '{NOT_DIFFUSED}')"

    def expression(ours, source, conv):
        if conv == FLAG:
            return f"CASE {ref(source)} WHEN 'true' THEN true WHEN 'false' THEN false END"
        if conv == NUMBER:
            number = ref(source)
            if postgres:
                return f"CASE WHEN {number} ~ '{_NUMBER.pattern}' THEN {number}::float8 END"
            test = f"{number} GLOB '[0-9-]*' AND {number} NOT GLOB '*[^0-9.-]*'"
            return f"CASE WHEN {test} THEN CAST({number} AS REAL) END"
        text = value(source)
        if conv == PERSON:
            forename = f"COALESCE({', '.join(value(c) for c in columns.FORENAMES)}, '')"
            surname = f"COALESCE({', '.join(value(c) for c in columns.SURNAMES)}, '')"
            text = f"COALESCE({text}, NULLIF(trim({forename} || ' ' || {surname}), ''))"
        return f"substr({text}, 1, {lengths[ours]})" if lengths[ours] else text

    return [expression(ours, source, conv) for ours, source, conv in kept]
