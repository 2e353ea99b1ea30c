"""SQLite: SQLite writes each line, Python checks a whole batch of them at once.

The time went into Python objects: 21 strings a row out of the `sqlite3`
module, then `csv.writer` over them. Here SQLite returns one bytes object per
line (`printf`, cells joined by the unit separator US, 0x1f, ending CRLF), and
a batch in which no cell holds a quote, the delimiter, CR or LF, and every line
has its 20 US, is the CSV once US becomes the delimiter: a few `count`s and one
`replace` over the batch. Lines that need quoting (1 % of the bench's rows:
the formula guard's `'=HYPERLINK("…")`) are found with `find`, split on US and
written by `csv.writer`, so every line is what `csv.writer` gives for its cells
(tests/test_export_sqlite.py compares the two). A cell holding US itself (a
control character nobody types) cannot be split: that row is read again, cell
by cell, in the same transaction.
"""

import csv
import io
from bisect import bisect_right
from datetime import UTC, datetime
from functools import partial
from itertools import accumulate
from operator import itemgetter

from ...extensions import db
from ...models import SignatureState
from .columns import COLUMNS, FROM, cell
from .filters import PLACES, Filters, bounds

#: Python's csv quotes a cell holding CR only when CR is in the line
#: terminator, so SQLite files end lines with CRLF.
NEWLINE = "\r\n"
US = b"\x1f"
CELLS = len(COLUMNS)
BATCH = 2000  # rows per fetch and per chunk yielded (~400 KiB)
#: How SQLAlchemy stores DateTime on SQLite (UTC wall time): bounds compare as text.
DATETIME = "%Y-%m-%d %H:%M:%S.%f"
#: Characters that make csv.writer quote a cell (with the delimiter).
QUOTED = (b'"', b"\r", b"\n")


def column(name: str, filters: Filters) -> str:
    if name == "verified_at":  # stored UTC "YYYY-MM-DD HH:MM:SS.ffffff": keep the second
        return "COALESCE(substr(s.verified_at, 1, 19), '')"
    return cell(name, filters, postgres=False)


def _where(petition_id, filters):
    lower, upper = bounds(filters)
    where = ["s.petition_id = ?", "s.status = ?"]
    params = [petition_id, SignatureState.VERIFIED]
    for clause, value in (
        ("s.category = ?", filters.category),
        ("s.commune = ?", filters.commune),
        ("s.verified_at >= ?", lower),
        ("s.verified_at < ?", upper),
    ):
        if value:
            where.append(clause)
            params.append(
                value.astimezone(UTC).strftime(DATETIME) if isinstance(value, datetime) else value
            )
    if filters.place:
        where.append(PLACES[filters.place].format(c="s.local"))
    return f"FROM {FROM} WHERE {' AND '.join(where)} ORDER BY s.verified_at, s.id", params


def query(petition_id: int, filters: Filters) -> tuple[str, list]:
    """The cells of each row, in file order (what csv.writer would be given)."""
    rest, params = _where(petition_id, filters)
    return f"SELECT {', '.join(column(c, filters) for _h, c in COLUMNS)} {rest}", params


def line_query(petition_id: int, filters: Filters) -> tuple[str, list]:
    """Each row as one line of bytes: its cells joined by US, then CRLF.

    printf builds the line in one buffer (`||` copied it once per cell: slower
    than the 21 strings), and prints NULL as an empty cell as csv.writer does.
    """
    rest, params = _where(petition_id, filters)
    columns = ", ".join(column(c, filters) for _h, c in COLUMNS)
    layout = US.decode().join(["%s"] * CELLS) + NEWLINE
    return f"SELECT CAST(printf(?, {columns}) AS BLOB) {rest}", [layout, *params]


def body(petition_id, filters, rows):
    """The lines in chunks of BATCH rows; rows[0] gets their count."""
    sql, params = line_query(petition_id, filters)
    delimiter = filters.delimiter.encode()
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        own = not raw.in_transaction
        cursor = raw.cursor()
        try:
            if own:  # one snapshot for the lines and any row read again
                cursor.execute("BEGIN")
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(BATCH):
                lines = list(map(itemgetter(0), batch))
                reread = partial(_reread, raw, petition_id, filters, rows[0])
                rows[0] += len(lines)
                yield _chunk(lines, delimiter, reread)
        finally:
            cursor.close()
            if own and raw.in_transaction:
                raw.rollback()


def _chunk(lines, delimiter, reread):
    """The CSV bytes of one batch of lines; reread(i): the cells of its line i."""
    flat = b"".join(lines)
    n = len(lines)
    counts_right = (
        flat.count(US) == (CELLS - 1) * n and flat.count(b"\r") == n and flat.count(b"\n") == n
    )
    if counts_right and b'"' not in flat and delimiter not in flat:
        return flat.replace(US, delimiter)
    if counts_right:  # only quotes or delimiters: find their lines without a loop over all
        dirty = _lines_holding(flat, lines, (b'"', delimiter))
    else:
        dirty = [i for i, line in enumerate(lines) if _needs_quoting(line, delimiter)]
    out, start = [], 0
    for i in dirty:
        out.append(b"".join(lines[start:i]).replace(US, delimiter))
        out.append(_quoted(lines[i], delimiter.decode(), lambda i=i: reread(i)))
        start = i + 1
    out.append(b"".join(lines[start:]).replace(US, delimiter))
    return b"".join(out)


def _lines_holding(flat, lines, needles):
    """Indexes (sorted) of the lines of `flat` holding any of `needles`."""
    ends = list(accumulate(map(len, lines)))
    found = set()
    for needle in needles:
        at = flat.find(needle)
        while at >= 0:
            i = bisect_right(ends, at)
            found.add(i)
            at = flat.find(needle, ends[i])
    return sorted(found)


def _needs_quoting(line, delimiter):
    return (
        line.count(US) != CELLS - 1
        or line.count(b"\r") != 1
        or line.count(b"\n") != 1
        or b'"' in line
        or delimiter in line
    )


def _quoted(line, delimiter, reread):
    cells = line[: -len(NEWLINE)].split(US)
    values = [c.decode() for c in cells] if len(cells) == CELLS else reread()
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=NEWLINE).writerow(values)
    return buffer.getvalue().encode()


def _reread(raw, petition_id, filters, first, i):
    """The cells of the row `first + i`: a cell held US, so its line cannot be split."""
    sql, params = query(petition_id, filters)
    cursor = raw.cursor()
    try:
        return cursor.execute(f"{sql} LIMIT 1 OFFSET ?", [*params, first + i]).fetchone()
    finally:
        cursor.close()
