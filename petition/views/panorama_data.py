"""The panorama for other sites and programs: two iframe widgets (the count,
the map) and the open data (JSON, paginated; CSV with its licence).

Same rules as the counter widget (views/embed.py): no session, no cookie,
framing allowed for the widgets only, public caching with an ETag keyed by
the panorama generation.
"""

import csv
import io
import json

from flask import Blueprint, render_template, request, url_for

from .. import security
from ..categories import LABELS
from ..extensions import limiter
from ..models import Licence
from ..services import panorama_map, panorama_read
from ..services.exports import neutralise
from .embed import THEMES
from .panorama import map_svg, public_petition_or_404
from .panorama_cache import cached_page

bp = Blueprint("panorama_data", __name__)
limiter.exempt(bp)

CACHE = "public, max-age=10, stale-while-revalidate=60, stale-if-error=86400"
API_PAGE_SIZE = 100
CSV_FIELDS = (
    "siren",
    "name",
    "description",
    "website",
    "category",
    "naf",
    "naf_section",
    "headcount_band",
    "commune",
    "commune_name",
    "x_lambert93",
    "y_lambert93",
    "licence",
)


def _theme():
    theme = request.args.get("theme")
    return theme if theme in THEMES else "light"


def _widget(slug, template, context):
    """An iframe widget: framed by any site, themed, rendered once per generation;
    `context(petition, entries)` gives what its template shows."""
    petition = public_petition_or_404(slug)
    security.allow_framing()
    theme = _theme()

    def render(found):
        return render_template(template, petition=petition, theme=theme, **context(petition, found))

    return cached_page(petition, (template, theme), render, CACHE)


@bp.get("/embed/<slug>/panorama", endpoint="embed_count")
def embed_count(slug):
    return _widget(
        slug, "panorama/embed_count.html", lambda p, found: {"counts": panorama_read.counts(found)}
    )


@bp.get("/embed/<slug>/carte", endpoint="embed_map")
def embed_map(slug):
    def context(petition, found):
        placed, missing = panorama_map.placed_and_not(found)
        svg = map_svg(petition, found, external=True)
        return {"svg": svg, "placed": placed, "missing": missing, "labels": LABELS}

    return _widget(slug, "panorama/embed_map.html", context)


@bp.get("/api/v1/petitions/<slug>/panorama", endpoint="json")
def as_json(slug):
    petition = public_petition_or_404(slug)
    number = request.args.get("page", "1")
    number = int(number) if number.isdigit() and len(number) < 7 else 1

    def render(found):
        pages = max(1, -(-len(found) // API_PAGE_SIZE))
        current = min(number, pages)
        start = (current - 1) * API_PAGE_SIZE
        body = {
            "slug": petition.slug,
            "organisations": len(found),
            "active_in_register": panorama_read.counts(found)["active"],
            "page": current,
            "pages": pages,
            "page_size": API_PAGE_SIZE,
            "licence": _licence(petition),
            "items": [panorama_read.as_json(e) for e in found[start : start + API_PAGE_SIZE]],
            "next": url_for(".json", slug=slug, page=current + 1, _external=True)
            if current < pages
            else None,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    return cached_page(petition, ("json", number), render, CACHE, mimetype="application/json")


@bp.get("/api/v1/petitions/<slug>/panorama.csv", endpoint="csv")
def as_csv(slug):
    petition = public_petition_or_404(slug)

    def render(found):
        out = io.StringIO()
        licence = _licence(petition)
        licence = f"{licence['name']} <{licence['url']}>"
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for entry in found:
            row = {k: _cell(v) for k, v in panorama_read.as_json(entry).items()}
            writer.writerow({**row, "licence": licence})
        return out.getvalue()

    response = cached_page(petition, ("csv",), render, CACHE, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="panorama-{slug}.csv"'
    return response


def _licence(petition):
    code = panorama_read.licence(petition)
    return {"code": code, "name": Licence.NAMES[code], "url": Licence.URLS[code]}


def _cell(value):
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value
