"""The public read-only JSON API under /api/v1: open CORS, ETags, public caching.

The count endpoint is the hot path a viral petition's widgets poll: it serves
a precomputed body and ETag from the counters' micro-cache (no SQL, and no
Redis on a hit). No response carries personal data, reads the session or sets a cookie
(petition/sessions.py).
"""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError

from .. import errors, jobs
from ..extensions import limiter
from ..forms.base import POSTAL_CODE
from ..geo import placing
from ..services import counters, live, overview, petitions, results

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Reads are cached and absorbed by CDNs: no per-request limiter round trip.
limiter.exempt(bp)

SPEC = Path(__file__).resolve().parent.parent / "openapi.json"

CACHE_COUNT = "public, max-age=2, stale-while-revalidate=10, stale-if-error=86400"
CACHE_DETAIL = "public, max-age=10, stale-while-revalidate=60, stale-if-error=86400"
CACHE_LIST = "public, max-age=30, stale-while-revalidate=120, stale-if-error=86400"
CACHE_SPEC = "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=86400"


@bp.after_app_request
def open_cors(response):
    if request.path.startswith("/api/"):
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":  # a preflight: what the real request may send
            headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "If-None-Match"
            headers["Access-Control-Max-Age"] = "86400"
        else:  # browsers read these three on preflights only
            headers["Access-Control-Expose-Headers"] = "ETag"
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
    """Open petitions, by title (`?tri=` as on the overview), with their
    local part, progress and signatures of the last 7 days."""
    view = overview.overview(request.args.get("tri") or "nom")
    items = [{**_summary(r), **_progress(r)} for r in view.open]
    return cached_json(*json_body({"petitions": items}), CACHE_LIST)


def _summary(petition):
    return {
        "slug": petition.slug,
        "title": petition.title,
        "territory": petition.territory,
        "goal": petition.goal,
        "signature_count": petition.signature_count,
        "paper_count": petition.paper_count,  # part of signature_count
        "state": petition.state,
        "updated_at": counters._iso(petition.updated_at),
        "url": url_for("public.petition", slug=petition.slug, _external=True),
    }


def _progress(row):
    return {
        "local_count": row.local_count,
        "goal_scope": row.goal_scope,
        "week_count": row.week_count,
        "progress": round(row.progress, 4),
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


@bp.get("/petitions/<slug>/results")
def petition_results(slug):
    """The results page's breakdowns (cached per count generation)."""
    petition = petitions.get_public(slug)
    if petition is None:
        abort(404)
    return cached_json(*json_body(results.results(petition)), CACHE_DETAIL)


@bp.get("/petitions/<slug>/places")
def places(slug):
    """The communes a postal code serves, each inside the territory or not: what
    the sign form proposes as the signer types (static/js/place.js)."""
    petition = petitions.get_public(slug)
    if petition is None:
        abort(404)
    postal_code = (request.args.get("postal_code") or "").strip()
    if not POSTAL_CODE.match(postal_code):
        return errors.render_error(400, _("Le code postal doit comporter 5 chiffres (ex. 42000)."))
    found = [
        {"code": c.commune.code, "name": c.commune.name, "local": c.local}
        for c in placing.candidates(petition, postal_code)
    ]
    return cached_json(*json_body({"postal_code": postal_code, "communes": found}), CACHE_LIST)


@bp.get("/petitions/<slug>/events")
def events(slug):
    doc = counters.read(slug)
    if doc is None:
        abort(404)
    return _event_stream(
        counters.channel(doc.petition_id), lambda: (counters.read(slug, fresh=True) or doc).body
    )


@bp.get("/events")
def all_events():
    """Every public petition's new counts on one stream (the overview): first
    the list of every count, then each petition's count event as it comes."""
    return _event_stream(counters.ALL_CHANNEL, lambda: json_body(overview.counts())[0])


def _event_stream(channel, first_body):
    """An SSE response on `channel`; `first_body()` is read once subscribed,
    so no change falls between it and the stream."""
    environ = request.environ
    try:
        stream = live.open_stream(
            current_app,
            request.remote_addr or "",
            jobs.redis(),
            channel,
            environ.get("gunicorn.socket") or environ.get("werkzeug.socket"),
        )
    except live.Refused as refused:
        return _stream_refused(refused.code, _refused_message(refused.code))
    except RedisError:  # the page falls back to polling
        return _stream_refused(503)
    try:
        body = first_body()
    except Exception:
        stream.close()  # its slot and subscription are not left behind
        raise
    config = current_app.config
    body = stream.body(
        body,
        heartbeat=config["SSE_HEARTBEAT"],
        retry_ms=config["SSE_RETRY_MS"],
        max_age=config["SSE_MAX_AGE"],
    )
    response = Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )
    response.call_on_close(stream.close)  # also when the body never started
    return response


def _refused_message(code):
    if code == 429:
        return _(
            "Trop de flux en direct sont ouverts depuis votre adresse. Réessayez "
            "plus tard ; le compteur reste disponible sur /count."
        )
    return _(
        "Ce serveur a atteint son nombre maximal de flux en direct. Réessayez "
        "plus tard ; le compteur reste disponible sur /count."
    )


def _stream_refused(code, message=None):
    """A JSON 429 or 503 with Retry-After. EventSource gives up on it, and the
    petition page, the embed and widget.js poll /count instead."""
    response = current_app.make_response(errors.render_error(code, message))
    response.headers["Retry-After"] = str(current_app.config["SSE_RETRY_AFTER"])
    return response


@bp.get("/openapi.json")
def openapi():
    spec = current_app.extensions.get("openapi_body")
    if spec is None:
        spec = current_app.extensions["openapi_body"] = json_body(
            json.loads(SPEC.read_text(encoding="utf-8"))
        )
    return cached_json(*spec, CACHE_SPEC)
