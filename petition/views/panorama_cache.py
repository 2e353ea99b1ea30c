"""Public panorama responses rendered once per generation, answered with an ETag.

The key is the petition's panorama generation (services/panorama.py bumps it
with every change of a profile), the language, and what the view adds (its
filters, its page): a conditional request gets a 304 before anything is
read beyond the generation, and a hit serves the bytes rendered before.
"""

import gzip
import hashlib
import threading

from cachetools import LRUCache
from flask import Response, request

from ..i18n import current_language
from ..services import panorama_read
from .api import matches

_rendered: LRUCache = LRUCache(maxsize=512)
_lock = threading.Lock()  # cachetools caches are not thread-safe (gthread workers)
MIN_GZIP = 1024


def cached_page(petition, key, render, cache_control, mimetype="text/html"):
    """`render(entries)` once per (generation, language, key); a 304 when the
    client holds it."""
    generation = panorama_read.generation(petition)
    # The petition's own edits (its title, its territory) show at once too.
    updated = str(petition.updated_at)
    full = (petition.id, generation, updated, current_language(), mimetype, key)
    etag = '"' + hashlib.sha1(repr(full).encode()).hexdigest()[:20] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "Vary": "Accept-Language, Accept-Encoding",
    }
    if matches(etag):
        return Response(status=304, headers=headers)
    with _lock:
        bodies = _rendered.get(full)
    if bodies is None:
        text = render(panorama_read.entries(petition, generation))
        raw = text.encode("utf-8") if isinstance(text, str) else text
        # Compressed once, here: a 10,000-point map is 1.5 MB raw, 10 times less gzipped.
        packed = gzip.compress(raw, compresslevel=6, mtime=0) if len(raw) > MIN_GZIP else None
        bodies = (raw, packed)
        with _lock:
            _rendered[full] = bodies
    raw, packed = bodies
    if packed is not None and "gzip" in request.accept_encodings:
        headers["Content-Encoding"] = "gzip"
        return Response(packed, 200, headers, mimetype=mimetype)
    return Response(raw, 200, headers, mimetype=mimetype)
