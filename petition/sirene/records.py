"""A chunk's CSV records cut to the columns the SQLite loader binds.

Pure Python with no app and no database, so that a second process can parse
the next chunk while the loader writes this one (chunks.py): on SQLite, parsing
is a quarter of an import, and it no longer waits on the writes.
"""

import csv
import io
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
