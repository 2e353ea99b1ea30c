"""SQLite: SQLite writes each line, Python checks a whole batch of them at once.

The time went into Python objects: 21 strings a row out of the `sqlite3`
module, then `csv.writer` over them. Here SQLite returns one bytes object per
line (`printf`, cells joined by the unit separator US, 0x1f, ending CRLF), and
a batch in which no cell holds a quote, the delimiter, CR or LF, and every line
has its 20 US, is the CSV once US becomes the delimiter: two `translate`s over
the batch (see _chunk). Lines that need quoting (1 % of the bench's rows:
the formula guard's `'=HYPERLINK("…")`) are found with `find`, split on US and
written by `csv.writer`, so every line is what `csv.writer` gives for its cells
(tests/test_export_sqlite.py compares the two). A cell holding US itself (a
control character nobody types) cannot be split: that row is read again, cell
by cell, in the same transaction. One difference is left: SQLite's printf
stops a cell at a NUL character, which csv.writer would have copied; no path
of the app stores one (forms refuse control characters, petition/text.py;
requests holding NUL are refused, petition/security.py; PostgreSQL text
cannot hold one).
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
#: The bytes that make csv.writer quote a cell (with the delimiter), and US.
SPECIALS = b'"\r\n' + US
PER_LINE = CELLS - 1 + len(NEWLINE)  # US between cells, CR LF at the end


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
    """The CSV bytes of one batch of lines; reread(i): the cells of its line i.

    A line holds 20 US, one CR and one LF; a cell can only add bytes that make
    csv.writer quote (or US), never remove one: deleting them all in one pass
    and comparing lengths tells whether any cell needs care (translate is a
    single pass; three counts and a replace took twice as long).
    """
    flat = b"".join(lines)
    specials = SPECIALS + delimiter
    extra = len(flat) - len(flat.translate(None, specials)) - PER_LINE * len(lines)
    out = flat.translate(bytes.maketrans(US, delimiter))
    if not extra:
        return out
    ends = list(accumulate(map(len, lines)))
    dirty = _lines_holding(flat, ends, (b'"', delimiter))  # memchr jumps, no loop over all
    if sum(_extra(lines[i], specials) for i in dirty) != extra:  # a CR, LF or US in a cell
        dirty = [i for i, line in enumerate(lines) if _extra(line, specials)]
    view, pieces, start = memoryview(out), [], 0
    for i in dirty:
        pieces += (view[start : ends[i] - len(lines[i])], _quoted(lines[i], delimiter, reread, i))
        start = ends[i]
    pieces.append(view[start:])
    return b"".join(pieces)


def _lines_holding(flat, ends, needles):
    """Indexes (sorted) of the lines of `flat` (ending at `ends`) holding any of `needles`."""
    found = set()
    for needle in needles:
        at = flat.find(needle)
        while at >= 0:
            i = bisect_right(ends, at)
            found.add(i)
            at = flat.find(needle, ends[i])
    return sorted(found)


def _extra(line, specials):
    return len(line) - len(line.translate(None, specials)) - PER_LINE


def _quoted(line, delimiter, reread, i):
    cells = line[: -len(NEWLINE)].split(US)
    values = [c.decode() for c in cells] if len(cells) == CELLS else reread(i)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter.decode(), lineterminator=NEWLINE).writerow(values)
    return buffer.getvalue().encode()


def _reread(raw, petition_id, filters, first, i):
    """The cells of the row `first + i`: a cell held US, so its line cannot be split."""
    sql, params = query(petition_id, filters)
    cursor = raw.cursor()
    try:
        return cursor.execute(f"{sql} LIMIT 1 OFFSET ?", [*params, first + i]).fetchone()
    finally:
        cursor.close()
