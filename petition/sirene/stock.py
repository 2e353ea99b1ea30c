"""Import of the Sirene stock files (`StockUniteLegale`, `StockEtablissement`).

`import_file(path)` reads one official file (CSV, or a zip holding one CSV),
whichever kind its header says, and upserts the kept columns (columns.py)
into `sirene_units` or `sirene_establishments` with `source = "stock"`:

- streamed: the file is read in chunks of whole CSV records (a chunk ends at
  a newline outside quotes), so memory is bounded by the chunk size whatever
  the file's size;
- filtered while reading when `communes` is given: establishments in those
  communes only; units only for the SIRENs of establishments already kept, so
  import the establishment file FIRST when filtering;
- idempotent: a re-import replaces the rows it holds (upsert on the number);
- resumable: each chunk is written in one transaction with the import's byte
  offset (`sirene_imports`); a re-run after a kill continues from there, unless
  the file changed (size, head and tail) or the filter did: then it starts over.
"""

import csv
import gc
import hashlib
import os
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, insert, select, update

from ..extensions import db
from ..geo import geography
from ..models import SireneEstablishment, SireneImport, SireneImportChunk, SireneUnit
from ..models.core import utcnow
from . import columns
from .chunks import load_in_order, load_in_parallel, pieces
from .loaders import DuplicateNumbers, loader_for

_PROBE = 64 * 1024

#: Bytes left to load from which a helper process parses the records (SQLite;
#: starting it costs about 0.1 s, parsing 1 MiB about 15 ms).
HELPER_FROM = 16 * 1024 * 1024


class StockError(Exception):
    """A file that cannot be imported; the message says why."""


@dataclass
class Progress:
    kind: str
    path: str
    offset: int
    size: int
    rows: int
    resumed: bool = False
    done: bool = False
    removed: int = 0  # stock rows of numbers the file no longer holds


def import_file(path, communes=None, chunk_size=None, on_chunk=None):
    """Import one stock file; returns its final `Progress`.

    `chunk_size`: bytes read and committed at a time (default: the loader's,
    loaders.py). `on_chunk(progress)` is called after each committed chunk
    (progress lines; tests raise from it to stop an import half-way, as a kill
    would).
    """
    path = os.path.abspath(path)
    communes = sorted(set(communes)) if communes is not None else None
    with _opened(path) as (stream, size), _collector_paused():
        header_line = stream.readline()
        header = _header(header_line, path)
        kind = columns.kind_of(header)
        if kind is None:
            raise StockError(f"{path}: neither StockUniteLegale nor StockEtablissement (header)")
        missing = columns.required(kind) - set(header)
        if missing:
            raise StockError(f"{path}: missing columns {', '.join(sorted(missing))}")
        with db.engine.connect() as conn:
            width = current_app.config["SIRENE_IMPORT_WORKERS"]
            loader = loader_for(conn, kind, header, communes, width)
            job = (conn, kind, path, _fingerprint(path), communes, size)
            job_id, progress = _begin(*job)
            if not loader.start(job_id, progress.resumed):  # its rows are gone
                job_id, progress = _begin(*job, resume=False)
                loader.start(job_id, False)
            done = _committed_chunks(conn, job_id) if progress.resumed else {}
            if done:
                progress.rows = sum(rows for _stop, rows in done.values())
            start = max(progress.offset, len(header_line))
            done = {begin: stop for begin, (stop, _rows) in done.items()}
            ledger = _Ledger(conn, job_id, progress, start, done, on_chunk)
            chunks = pieces(stream, start, size, chunk_size or loader.chunk_size, done)
            if loader.connections == 1:
                # a helper process parses ahead when it pays for its start
                helper = loader.parses and size - start > HELPER_FROM
                load_in_order(conn, loader, job_id, chunks, ledger.committed, helper)
            else:

                def make_loader(worker_conn):
                    return loader_for(worker_conn, kind, header, communes)

                width = loader.connections
                load_in_parallel(db.engine, make_loader, job_id, chunks, ledger.committed, width)
            try:
                removed = loader.finish()
            except DuplicateNumbers as error:
                raise StockError(f"{path}: {error}") from None
            if removed is None:
                removed = _remove_left_out(conn, job_id, kind, communes)
            progress.removed = removed
            _save(conn, job_id, finished_at=utcnow())
            progress.done = True
    return progress


class _Ledger:
    """The import's progress as chunks commit: `offset` moves to the end of
    the chunks committed without a gap (where a resumed import starts), `rows`
    counts every committed chunk's; `on_chunk` hears of each."""

    def __init__(self, conn, job_id, progress, start, done, on_chunk):
        self.conn, self.job_id, self.progress, self.on_chunk = conn, job_id, progress, on_chunk
        self.progress.offset = start
        self.ahead = {begin: stop for begin, stop in done.items() if begin >= start}
        self._advance()

    def committed(self, start, stop, rows):
        self.ahead[start] = stop
        self.progress.rows += rows
        self._advance()
        values = {"offset": self.progress.offset, "rows": self.progress.rows}
        job = update(SireneImport).where(SireneImport.id == self.job_id)
        self.conn.execute(job.values(**values))
        self.conn.commit()  # loaded in order: with the chunk, on the same connection
        if self.on_chunk:
            self.on_chunk(self.progress)

    def _advance(self):
        while self.progress.offset in self.ahead:
            self.progress.offset = self.ahead.pop(self.progress.offset)


def _committed_chunks(conn, job_id):
    """{start: (stop, rows)} of the chunks an earlier run of this import committed."""
    found = conn.execute(
        select(SireneImportChunk.start, SireneImportChunk.stop, SireneImportChunk.rows).where(
            SireneImportChunk.import_id == job_id
        )
    )
    return {start: (stop, rows) for start, stop, rows in found}


def _remove_left_out(conn, job_id, kind, communes):
    """Delete the stock rows this complete import did not write: numbers that
    left the register. Within the filter only; API answers are never touched;
    a filtered unit file removes nothing (its SIRENs come from elsewhere)."""
    if kind == columns.UNITS and communes is not None:
        return 0
    model = SireneUnit if kind == columns.UNITS else SireneEstablishment
    started = conn.execute(
        select(SireneImport.started_at).where(SireneImport.id == job_id)
    ).scalar_one()
    query = delete(model).where(model.source == "stock", model.updated_at < started)
    if communes is not None:
        query = query.where(SireneEstablishment.commune.in_(communes))
    return conn.execute(query).rowcount


def _header(line, path):
    try:
        return next(csv.reader([line.decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration, csv.Error) as error:
        raise StockError(f"{path}: no CSV header line ({error})") from None


@contextmanager
def _collector_paused():
    """Python's cycle collector off while importing, on again however the
    import ends. Each chunk's rows are containers that live through its
    write, enough to set off full collections over every object of the app;
    rows hold no cycles, so memory stays as flat (a SQLite import of
    1,000,000 rows: 12.3 s -> 10.7-11.1 s). Only the CLI imports: no request
    of the web or the worker waits on a paused collector."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def _opened(path):
    """The file's CSV bytes as a seekable stream, and their size."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [i for i in archive.infolist() if i.filename.lower().endswith(".csv")]
                if len(members) != 1:
                    raise StockError(f"{path}: a zip must hold exactly one .csv file")
                with archive.open(members[0]) as stream:
                    yield stream, members[0].file_size
            return
        with open(path, "rb") as stream:
            yield stream, os.fstat(stream.fileno()).st_size
    except OSError as error:
        raise StockError(f"{path}: {error.strerror or error}") from None


def _fingerprint(path):
    """Size, head and tail of the file on disk: a changed file starts over."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest.update(str(size).encode())
        digest.update(f.read(_PROBE))
        f.seek(max(0, size - _PROBE))
        digest.update(f.read(_PROBE))
    return digest.hexdigest()


def _begin(conn, kind, path, fingerprint, communes, size, resume=True):
    """The unfinished import of this very file and filter, or a new one."""
    filter_text = ",".join(communes) if communes is not None else None
    last = (
        resume
        and conn.execute(
            select(SireneImport.id, SireneImport.fingerprint, SireneImport.communes)
            .add_columns(SireneImport.offset, SireneImport.rows)
            .where(SireneImport.path == path, SireneImport.kind == kind)
            .where(SireneImport.finished_at.is_(None))
            .order_by(SireneImport.id.desc())
            .limit(1)
        ).first()
    )
    if last and last.fingerprint == fingerprint and last.communes == filter_text:
        return last.id, Progress(kind, path, last.offset, size, last.rows, resumed=True)
    job_id = conn.execute(
        insert(SireneImport)
        .values(kind=kind, path=path, fingerprint=fingerprint, communes=filter_text)
        .values(offset=0, rows=0, started_at=utcnow())
        .returning(SireneImport.id)
    ).scalar_one()
    # SQLite reuses the id of a deleted import: if its ledger outlived it (rows
    # deleted with foreign keys off, as the sqlite3 shell does), it goes now
    conn.execute(delete(SireneImportChunk).where(SireneImportChunk.import_id == job_id))
    conn.commit()
    return job_id, Progress(kind, path, 0, size, 0)


def _save(conn, job_id, **values):
    conn.execute(update(SireneImport).where(SireneImport.id == job_id).values(**values))
    conn.commit()


def imports(limit=20):
    """The latest imports, newest first (`flask sirene status`)."""
    return db.session.scalars(select(SireneImport).order_by(SireneImport.id.desc()).limit(limit))


def counts():
    """Rows held per table and source."""
    return {
        model.__tablename__: dict(
            db.session.execute(select(model.source, db.func.count()).group_by(model.source)).all()
        )
        for model in (SireneUnit, SireneEstablishment)
    }


def with_arrondissements(codes):
    """The codes plus the municipal arrondissements of Paris, Lyon and Marseille
    among them: establishments there carry the arrondissement's code."""
    codes = set(codes)
    geo = geography()
    return codes | {c.code for c in geo.communes.values() if c.parent and c.parent in codes}
