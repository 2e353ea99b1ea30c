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
        self.pick = itemgetter(*(index[source] for _ours, source, _conv in kept))
        lengths = _lengths(table)
        self.limits = [(i, lengths[ours]) for i, (ours, _s, _c) in enumerate(kept) if lengths[ours]]
        self.flags = [i for i, (_o, _s, conv) in enumerate(kept) if conv == FLAG]
        self.numbers = [i for i, (_o, _s, conv) in enumerate(kept) if conv == NUMBER]
        self.person = [i for i, (_o, _s, conv) in enumerate(kept) if conv == PERSON]
        if kind == UNITS:
            self.forenames = [index[c] for c in columns.FORENAMES]
            self.surnames = [index[c] for c in columns.SURNAMES]
        self.keep_at, self.keep = self._filter(index, communes)
        names = [ours for ours, _s, _c in kept] + ["source", "updated_at"]
        marks = ", ".join("?" for _ in names)
        self.sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})" + _upsert_tail(
            key, names
        )

    def _filter(self, index, communes):
        if communes is None:
            return None, None
        if self.kind != UNITS:
            return index[columns.COMMUNE], frozenset(communes)
        return index["siren"], frozenset(_sirens_in(self.conn, communes))

    def load(self, chunk):
        stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format
        rows = [self._row(row, stamp) for row in self._records(chunk)]
        if rows:
            self.conn.exec_driver_sql(self.sql, rows)
        return len(rows)

    def _records(self, chunk):
        keep, at, width = self.keep, self.keep_at, self.width
        for row in csv.reader(io.StringIO(chunk.decode("utf-8"))):
            if len(row) == width and (keep is None or row[at] in keep):
                yield row

    def _row(self, row, stamp):
        values = [None if v == "" or v == NOT_DIFFUSED else v for v in self.pick(row)]
        for i in self.person:
            values[i] = values[i] or self._person(row)
        for i, limit in self.limits:
            if values[i] is not None:
                values[i] = values[i][:limit]
        for i in self.flags:
            values[i] = None if values[i] is None else values[i] == "true"
        for i in self.numbers:
            values[i] = float(values[i]) if values[i] and _NUMBER.match(values[i]) else None
        values.extend((SOURCE, stamp))
        return tuple(values)

    def _person(self, row):
        def first(indices):
            return next((row[i] for i in indices if row[i] not in ("", NOT_DIFFUSED)), "")

        return " ".join(filter(None, (first(self.forenames), first(self.surnames)))) or None


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
        exprs = [_expression(source, conv, lengths[ours]) for ours, source, conv in kept]
        exprs += [f"'{SOURCE}'", "now()"]
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
            cur.execute(self.upsert, {"communes": self.communes})
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


def _value(name):
    return f"NULLIF(NULLIF(\"{name}\", ''), '{NOT_DIFFUSED}')"


def _expression(source, conv, length):
    if conv == FLAG:
        return f"({_value(source)})::boolean"
    if conv == NUMBER:
        return f'CASE WHEN "{source}" ~ \'{_NUMBER.pattern}\' THEN "{source}"::float8 END'
    if conv == PERSON:
        forename = f"COALESCE({', '.join(_value(c) for c in columns.FORENAMES)})"
        surname = f"COALESCE({', '.join(_value(c) for c in columns.SURNAMES)})"
        person = f"NULLIF(concat_ws(' ', {forename}, {surname}), '')"
        value = f"COALESCE({_value(source)}, {person})"
    else:
        value = _value(source)
    return f"left({value}, {length})" if length else value
