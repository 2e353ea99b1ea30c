"""A chunk's CSV records cut to the columns the SQLite loader binds.

Pure Python with no app and no database, so that a helper process can parse
the next chunk while the loader writes this one (chunks.py): on SQLite, parsing
is a quarter of an import, and it no longer waits on the writes.

This file, run as a script (`python -I records.py`), is that helper: it reads
pickled `rows` arguments on its standard input and writes each answer, pickled,
on its standard output — ("rows", [...]) or ("error", exception) — until the end
of its input. It imports nothing but the standard library.
"""

import csv
import io
import pickle
import sys
from operator import itemgetter


def rows(chunk, picks, width, keep_at, keep, stamp):
    """For each record of `chunk` (bytes, whole UTF-8 CSV records) that has
    `width` fields and, when `keep` is a set, its field `keep_at` in it: the
    fields at `picks`, then `stamp` (a tuple)."""
    pick = itemgetter(*picks)
    found = csv.reader(io.StringIO(chunk.decode("utf-8")))
    if keep is None:
        return [pick(row) + stamp for row in found if len(row) == width]
    return [pick(row) + stamp for row in found if len(row) == width and row[keep_at] in keep]


def main():
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            args = pickle.load(source)
        except EOFError:
            return
        try:
            answer = ("rows", rows(*args))
        except Exception as error:  # noqa: BLE001 -- raised again by the loader's process
            answer = ("error", error)
        pickle.dump(answer, sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()


if __name__ == "__main__":
    main()
