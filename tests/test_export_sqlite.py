"""On SQLite the export's lines are written by SQLite and checked a batch at a
time (petition/services/exports/sqlite.py): every byte must still be what
`csv.writer` gives for the row's cells, whatever a signer typed — quotes, either
delimiter, CR, LF, the unit separator the lines are built with, empty cells,
NULLs, formula starts — in whichever batch the row falls."""

import codecs
import csv
import io

import pytest

from petition.extensions import db
from petition.services import exports
from petition.services.exports import sqlite

from helpers import add_signature

pytestmark = pytest.mark.usefixtures("sqlite_only")

TYPED = [
    "plain",
    'a "quoted" name',
    "semi;colon",
    "com,ma",
    "line\nfeed",
    "carriage\rreturn",
    "both\r\nends",
    "unit\x1fseparator",
    "two\x1f\x1fseparators",
    "",
    "=1+2",
    "\ttab",
    "Ça, « guillemets »; fin",
    '"',
]


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL writes the CSV with COPY")


def expected(petition, filters):
    """The reference: the cells query and csv.writer, row by row."""
    sql, params = exports._sqlite_query(petition.id, filters)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=filters.delimiter, lineterminator="\r\n")
    writer.writerow([h for h, _c in exports.COLUMNS])
    raw = db.engine.raw_connection()
    try:
        writer.writerows(raw.cursor().execute(sql, params).fetchall())
    finally:
        raw.close()
    return codecs.BOM_UTF8 + out.getvalue().encode()


def exported(petition, filters):
    out = io.BytesIO()
    entry = exports.export_to_file(petition, filters, "test", out)
    return entry, out.getvalue()


def typed_signers(petition):
    for i, text in enumerate(TYPED):
        add_signature(
            petition,
            first_name=text,
            last_name=None if i % 3 == 0 else f"Nom{i}",
            organisation=text[::-1],
            event_name=text if i % 2 else None,
            siren="",
            email=f"s{i}@example.org",
        )
        add_signature(petition, email=f"clean{i}@example.org")  # clean lines between


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("batch", [1, 3, 2000])
def test_every_line_is_what_csv_writer_gives(petition, monkeypatch, delimiter, batch):
    typed_signers(petition)
    monkeypatch.setattr(sqlite, "BATCH", batch)  # dirty lines in first, middle and last batches
    filters = exports.parse_filters(petition, {"delimiter": delimiter})
    entry, body = exported(petition, filters)
    assert body == expected(petition, filters)
    assert entry.rows == 2 * len(TYPED)
    rows = list(csv.reader(io.StringIO(body[3:].decode(), newline=""), delimiter=delimiter))
    typed = [exports.neutralise(t) for t in TYPED]
    assert [r[0] for r in rows[1:] if r[2].startswith("s")] == typed  # nothing lost in between


def test_a_clean_batch_is_the_same_bytes(petition, monkeypatch):
    for i in range(5):
        add_signature(petition, email=f"c{i}@example.org", organisation=f"Société {i}")
    monkeypatch.setattr(sqlite, "BATCH", 2)
    filters = exports.parse_filters(petition, {})
    assert exported(petition, filters)[1] == expected(petition, filters)


def test_the_lines_and_the_count_come_from_one_snapshot(petition, monkeypatch):
    """A signature verified while the file streams is in neither the file nor its count."""
    for i in range(4):
        add_signature(petition, email=f"c{i}@example.org", first_name='with "quote"')
    monkeypatch.setattr(sqlite, "BATCH", 1)
    filters = exports.parse_filters(petition, {})
    entry = exports.start(petition, filters, "test")
    chunks = exports.stream(petition, filters, entry.id)
    body = next(chunks) + next(chunks)  # header, first line: the read has begun
    add_signature(petition, email="late@example.org", first_name='late "one"')
    body += b"".join(chunks)
    db.session.refresh(entry)
    assert entry.rows == 4
    assert b"late@example.org" not in body
    assert body.count(b"\r\n") == 5
