"""The public read-only JSON API under /api/v1: open CORS, ETags, public caching.

The count endpoint is the hot path a viral petition's widgets poll: it serves
a precomputed body and ETag from the counters' micro-cache (no SQL, and no
Redis on a hit). No response carries personal data or sets a cookie.
"""
import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, request, url_for
from redis.exceptions import RedisError

from .. import jobs
from ..extensions import limiter
from ..services import counters, live, petitions

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Reads are cached and absorbed by CDNs: no per-request limiter round trip.
limiter.exempt(bp)

#: Paths that never set a cookie (the API, the embed, the badge, widget.js).
NO_COOKIE_PREFIXES = ("/api/", "/embed/", "/badge/", "/widget.js")
SPEC = Path(__file__).resolve().parent.parent / "openapi.json"

CACHE_COUNT = "public, max-age=2, stale-while-revalidate=10, stale-if-error=86400"
CACHE_DETAIL = "public, max-age=10, stale-while-revalidate=60, stale-if-error=86400"
CACHE_LIST = "public, max-age=30, stale-while-revalidate=120, stale-if-error=86400"
CACHE_SPEC = "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=86400"


@bp.before_app_request
def no_cookies():
    if request.path.startswith(NO_COOKIE_PREFIXES):
        g.no_cookies = True


@bp.after_app_request
def open_cors(response):
    if request.path.startswith("/api/"):
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "If-None-Match"
        headers["Access-Control-Expose-Headers"] = "ETag"
        headers["Access-Control-Max-Age"] = "86400"
    return response


def matches(etag):
    """True when the request's If-None-Match names `etag` (weak or strong) or is *."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def cached_json(body, etag, cache_control):
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    if matches(etag):
        return Response(status=304, headers=headers)
    return Response(body, 200, headers, mimetype="application/json")


def json_body(data):
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return body, '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


@bp.get("/petitions/<slug>/count")
def count(slug):
    doc = counters.read(slug)
    if doc is None:
        abort(404)
    return cached_json(doc.body, doc.etag, CACHE_COUNT)


@bp.get("/petitions")
def petition_list():
    items = [_summary(p) for p in petitions.list_public() if p.state == "open"]
    return cached_json(*json_body({"petitions": items}), CACHE_LIST)


def _summary(petition):
    return {
        "slug": petition.slug, "title": petition.title, "territory": petition.territory,
        "goal": petition.goal, "signature_count": petition.signature_count,
        "state": petition.state, "updated_at": counters._iso(petition.updated_at),
        "url": url_for("public.petition", slug=petition.slug, _external=True),
    }


@bp.get("/petitions/<slug>")
def detail(slug):
    petition = petitions.get_public(slug)
    if petition is None:
        abort(404)
    doc = counters.read(slug) or counters.load(petition_id=petition.id)
    data = _summary(petition)
    data.update(doc.public, communes=petition.commune_names)
    data.update(counters.breakdown(petition.id))
    return cached_json(*json_body(data), CACHE_DETAIL)


@bp.get("/petitions/<slug>/events")
def events(slug):
    doc = counters.read(slug)
    if doc is None:
        abort(404)
    try:
        pubsub = live.subscribe(jobs.redis(), counters.channel(doc.petition_id))
    except RedisError:
        abort(503)  # EventSource gives up; the page falls back to polling /count
    doc = counters.read(slug, fresh=True) or doc
    config = current_app.config
    body = live.stream(pubsub, doc.body, heartbeat=config.get("SSE_HEARTBEAT", 15.0),
                       retry_ms=config.get("SSE_RETRY_MS", 3000),
                       max_age=config.get("SSE_MAX_AGE", 300.0))
    return Response(body, mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"})


@bp.get("/openapi.json")
def openapi():
    spec = current_app.extensions.get("openapi_body")
    if spec is None:
        spec = current_app.extensions["openapi_body"] = json_body(
            json.loads(SPEC.read_text(encoding="utf-8")))
    return cached_json(*spec, CACHE_SPEC)

