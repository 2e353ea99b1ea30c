"""The public results page of a petition: no personal data, cacheable."""

from flask import Blueprint, abort, g, render_template, request

from ..categories import LABELS
from ..services import petitions, results
from ..sirene import display as register_display

bp = Blueprint("results", __name__)

CACHE = "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"


@bp.get("/p/<slug>/resultats", endpoint="page")
@bp.get("/p/<slug>/results", endpoint="page_en")
def page(slug):
    petition = petitions.get_public(slug)
    if petition is None:
        abort(404)
    g.no_cookies = True  # the same page for everyone: a shared cache may keep it
    data = results.results(petition)
    sort = request.args.get("tri", "soutiens")
    sort = sort if sort in results.SORTS else "soutiens"
    communes = results.sorted_communes(data["by_commune"], sort)
    response = render_template(
        "results.html",
        petition=petition,
        data=data,
        communes=communes,
        sort=sort,
        bars=results.bars(communes),
        chart={"chart": results.chart(data)},
        labels=LABELS,
        register_display=register_display,
    )
    return response, 200, {"Cache-Control": CACHE, "Vary": "Accept-Language, Cookie"}
