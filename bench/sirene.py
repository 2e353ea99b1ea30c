"""Importing Sirene rows (`flask sirene import`) beside the database's own bulk
load of the same file: `sqlite3 .import` or PostgreSQL `\\copy` through psql.

The file is a made-up StockEtablissement in the official format (53 columns,
petition/sirene/sample.py). Each round starts from empty tables. The import
keeps 13 columns and upserts them into an indexed table; the baseline loads
every column as text into a bare table: the ratio is what streaming, parsing,
the filter-ready upsert and the resumable commits cost.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import make_url, text

from petition.config import _database_url
from petition.extensions import db
from petition.sirene import sample
from petition.sirene.columns import ESTABLISHMENT_HEADER

from .offline import HERE, _timed
from .report import median, ratio_row
from .web import interleave

COMMUNES = ("42218", "42095", "06088", "06029", "69123")
BULK = "sirene_bulk"
BASELINE = {True: "psql \\copy", False: "sqlite3 .import"}
MEMORY_GOAL = 64  # MiB the import adds to the process at its peak


def import_rows(b):
    rows = 20_000 if b.quick else b.stored
    started = time.monotonic()
    places, cached = extract(rows)
    made = time.monotonic() - started

    def ours(_r):
        _empty(b)
        return _probe(b, places)

    def theirs(_r):
        _empty(b)
        return _timed(_baseline(b, places), b.workdir / "sirene-bulk.out", b.stack.env())

    got, base = interleave(b.rounds, ours, theirs)
    seconds = median([g["seconds"] for g in got])
    base_seconds = median([g[0] for g in base])
    extra = max(g["peak"] - g["before"] for g in got)
    size = places.stat().st_size / 2**20
    row = ratio_row(
        f"Importing {rows:,} Sirene rows",
        f"{seconds:.2f} s, +{extra:.0f} MiB RSS at peak (file {size:.0f} MiB)",
        f"{base_seconds:.2f} s ({BASELINE[_pg(b)]})",
        seconds / base_seconds,
        at_most=2.0,
        goal=f"<= 2x, <= +{MEMORY_GOAL} MiB",
    )
    row.passed = row.passed and extra <= MEMORY_GOAL
    held = [g["rows"] for g in got]
    row.checks.append((f"{held} rows imported for {rows:,} written", min(held) >= rows))
    row.checks.append(("the bulk load exits 0", all(g[2] == 0 for g in base)))
    cli = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "sirene", "import"]
    _empty(b)
    cli_seconds, _rss, code, err = _timed(cli + [str(places)], b.workdir / "cli.out", b.stack.env())
    row.checks.append(
        ("flask sirene import exits 0" + (f": {err[-300:]}" if code else ""), not code)
    )
    row.note = (
        f"`flask sirene import` end to end (interpreter start, app import, import): "
        f"{cli_seconds:.2f} s; extract "
        + (f"from the cache ({made:.1f} s)" if cached else f"generated in {made:.1f} s")
    )
    return row


def extract(rows):
    """The establishment file of `rows` rows, generated once and kept in
    `BENCH_CACHE` (default ~/.cache/petition-bench), keyed by the row count and
    the generator's source: a changed generator makes a new file. Returns the
    path and whether it came from the cache."""
    source = Path(sample.__file__).read_bytes() + repr(COMMUNES).encode()
    key = f"sirene-{rows}-{hashlib.sha256(source).hexdigest()[:12]}"
    home = Path(os.environ.get("BENCH_CACHE", Path.home() / ".cache" / "petition-bench"))
    directory = home / key
    places = directory / "BenchEtablissement_utf8.csv"
    if (directory / "complete").exists() and places.exists():
        return places, True
    partial = home / f"{key}.partial-{os.getpid()}"
    sample.write_extract(partial, COMMUNES, rows, stem="Bench")
    (partial / "complete").write_text(f"{rows}\n")
    shutil.rmtree(directory, ignore_errors=True)
    partial.rename(directory)  # whole or absent: a killed run leaves only .partial
    return places, False


def _probe(b, path):
    done = subprocess.run(
        [sys.executable, str(HERE / "sirene_probe.py"), str(path)],
        env=b.stack.env(),
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"sirene probe failed: {done.stderr[-2000:]}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def _pg(b):
    return b.stack.database.kind == "postgresql"


def _empty(b):
    """Empty tables for the next round. PostgreSQL: TRUNCATE, as a DELETE would
    leave a million dead rows that autovacuum cleans during the next measured
    round (on either side) and that the import's scans of the old table read."""
    tables = ("sirene_establishments", "sirene_units", "sirene_imports", "sirene_import_chunks")
    with b.app.app_context():
        if _pg(b):
            db.session.execute(text(f"TRUNCATE {', '.join(tables)}"))
        else:
            for table in tables:
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.execute(text(f"DROP TABLE IF EXISTS {BULK}"))
        db.session.commit()


def _count(b, table):
    with b.app.app_context():
        return db.session.scalar(text(f"SELECT count(*) FROM {table}"))


def _baseline(b, path):
    if _pg(b):
        url = make_url(_database_url(b.stack.database.url, None)).set(drivername="postgresql")
        columns = ", ".join(f'"{c}" text' for c in ESTABLISHMENT_HEADER)
        return [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            url.render_as_string(hide_password=False),
            "-c",
            f"CREATE TABLE {BULK} ({columns})",
            "-c",
            f"\\copy {BULK} FROM '{path}' CSV HEADER",
        ]
    return ["sqlite3", str(b.stack.database.path), f".import --csv {path} {BULK}"]
