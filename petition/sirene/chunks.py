"""A stock file cut into chunks of whole CSV records, and their loading.

`pieces(stream, start, end, size, done)` yields `(offset, bytes)`: chunks of
about `size` bytes from `start`, each ending just after a record, skipping the
chunks a previous run committed (`done`, {start: stop}) without ever running
into one, whatever chunk size that run used.

`load_in_order` loads them one after the other on one connection (SQLite: one
writer; PostgreSQL with SIRENE_IMPORT_WORKERS=1); where Python parses the
records (SQLite), a helper process parses the next chunks while this one is
written. `load_in_parallel` loads them on several connections at once
(PostgreSQL, complete or filtered: COPY parses every column on one core per
connection, so two connections on two cores halve the import).
Either way each chunk commits with its row in `sirene_import_chunks`, and the
caller hears of each committed chunk through `committed(start, stop, rows)`, in
the order they commit.
"""

import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from contextlib import closing

from sqlalchemy import insert

from ..models import SireneImportChunk
from . import records


def pieces(stream, start, end, size, done):
    """(offset, chunk) for every chunk between `start` and `end` (None: the
    end of the stream) that `done` does not hold."""
    for gap_start, gap_end in _gaps(start, end, done):
        stream.seek(gap_start)
        offset = gap_start
        for chunk in _chunks(stream, size, None if gap_end is None else gap_end - gap_start):
            yield offset, chunk
            offset += len(chunk)


def _gaps(position, end, done):
    """The ranges from `position` to `end` that no committed chunk covers."""
    for start, stop in sorted(done.items()):
        if stop <= position:
            continue
        if start > position:
            yield position, start
        position = stop
    if end is None or position < end:
        yield position, end


def _chunks(stream, size, limit):
    """Chunks of about `size` bytes, each ending after a whole CSV record,
    reading `limit` bytes at most (a committed chunk's start: a record's)."""
    carry = b""
    while True:
        want = size if limit is None else min(size, limit)
        data = stream.read(want) if want > 0 else b""
        if limit is not None:
            limit -= len(data)
        if not data:
            if carry:
                yield carry
            return
        data = carry + data
        cut = _record_end(data)
        carry = data[cut:]
        if cut:
            yield data[:cut]


def _record_end(data):
    """Just after the last newline that is outside a quoted field, or 0."""
    end = data.rfind(b"\n")
    while end >= 0:
        if data.count(b'"', 0, end) % 2 == 0:  # "" escapes come in pairs
            return end + 1
        end = data.rfind(b"\n", 0, end)
    return 0


def _record(conn, job_id, start, stop, rows):
    conn.execute(
        insert(SireneImportChunk).values(import_id=job_id, start=start, stop=stop, rows=rows)
    )


def load_in_order(conn, loader, job_id, chunks, committed, helper=False):
    """Each chunk, its ledger row and the caller's progress in one transaction,
    which `committed` commits (it writes on the same connection). `helper`:
    a helper process parses the records, `AHEAD` chunks ahead (SQLite)."""
    if helper:
        with closing(_parsed_ahead(loader, chunks)) as parsed:
            for start, stop, rows in parsed:
                kept = loader.write(rows)
                _record(conn, job_id, start, stop, kept)
                committed(start, stop, kept)
        return
    for start, chunk in chunks:
        kept = loader.load(chunk)
        _record(conn, job_id, start, start + len(chunk), kept)
        committed(start, start + len(chunk), kept)


#: Chunks the helper process parses ahead of the one being written: memory is
#: (AHEAD + 1) chunks and their rows at most.
AHEAD = 1


def _parsed_ahead(loader, chunks):
    """(start, stop, rows) of each chunk, parsed by a helper process while the
    caller writes the previous one. Closing this generator stops the helper."""
    helper = _Helper()
    pending = deque()
    try:
        for start, chunk in chunks:
            helper.send(loader.parse_args(chunk))
            pending.append((start, start + len(chunk)))
            if len(pending) > AHEAD:
                start, stop = pending.popleft()
                yield start, stop, helper.receive()
        while pending:
            start, stop = pending.popleft()
            yield start, stop, helper.receive()
    finally:
        helper.close()


class _Helper:
    """records.py run as a script in a child process, fed by a thread so
    that neither side ever waits on a full pipe while the other does."""

    def __init__(self):
        # -I: the script's directory stays off sys.path, and PYTHON* variables
        # are ignored; the helper needs only the standard library
        self.process = subprocess.Popen(
            [sys.executable, "-I", records.__file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.requests = queue.Queue(maxsize=AHEAD)
        self.feeder = threading.Thread(target=self._feed, name="sirene-parse-feed", daemon=True)
        self.feeder.start()

    def _feed(self):
        pipe = self.process.stdin
        try:
            while (args := self.requests.get()) is not None:
                pickle.dump(args, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.flush()
            pipe.close()
        except OSError:  # the helper is gone: receive() says so
            pass

    def send(self, args):
        self.requests.put(args)

    def receive(self):
        try:
            kind, value = pickle.load(self.process.stdout)
        except EOFError:
            code = self.process.wait()
            raise RuntimeError(f"the Sirene parsing helper stopped (exit code {code})") from None
        if kind == "error":
            raise value
        return value

    def close(self):
        """Stop the helper wherever it is, and the feeding thread with it."""
        self.process.kill()
        try:
            while True:
                self.requests.get_nowait()
        except queue.Empty:
            pass
        self.requests.put(None)
        self.feeder.join()
        self.process.wait()
        self.process.stdout.close()
        if not self.process.stdin.closed:
            self.process.stdin.close()


def load_in_parallel(engine, make_loader, job_id, chunks, committed, width):
    """`width` workers, each on its own connection with its own loader
    (`make_loader(conn)`), load the chunks this thread reads; `committed` runs
    here, after each chunk's commit. The first error, here or in a worker,
    stops every worker after its current chunk and is raised."""
    tasks = queue.Queue(maxsize=width)  # bounded: memory is (2 x width + 1) chunks
    results = queue.Queue()
    failed = threading.Event()

    def work():
        try:
            with engine.connect() as conn:
                loader = make_loader(conn)
                conn.commit()  # the loader's temporary table
                while (task := tasks.get()) is not None:
                    start, chunk = task
                    rows = loader.load(chunk)
                    _record(conn, job_id, start, start + len(chunk), rows)
                    conn.commit()
                    results.put((start, start + len(chunk), rows))
        except BaseException as error:  # noqa: BLE001 -- raised by the reader
            results.put(error)  # before the flag: whoever sees the flag finds it
            failed.set()

    def drain(wait=0.0):
        try:
            while True:
                result = results.get(timeout=wait) if wait else results.get_nowait()
                if isinstance(result, BaseException):
                    raise result
                committed(*result)
        except queue.Empty:
            return

    def hand(task):
        while True:
            drain()
            if failed.is_set():
                drain()
                raise RuntimeError("a Sirene load worker stopped")  # not reached: drain raised
            try:
                return tasks.put(task, timeout=0.05)
            except queue.Full:
                continue

    workers = [threading.Thread(target=work, name=f"sirene-load-{i}") for i in range(width)]
    for worker in workers:
        worker.start()
    try:
        for task in chunks:
            hand(task)
        for _ in workers:
            hand(None)
        while any(worker.is_alive() for worker in workers):
            drain(wait=0.05)
        drain()
    finally:
        _stop(tasks, len(workers))
        for worker in workers:
            worker.join()


def _stop(tasks, workers):
    """Workers still running take a None after their current chunk and leave."""
    try:
        while True:
            tasks.get_nowait()
    except queue.Empty:
        pass
    for _ in range(workers):
        tasks.put_nowait(None)
