"""The panorama of a territory's actors: the directory, its map, and the page
where a verified signer publishes their organisation.

The directory and the map are the same for everyone: no session, no cookie,
public caching with an ETag made of the panorama generation, the language and
the query; what they render is kept in a bounded cache under the same key.
"""

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import tokens
from ..categories import LABELS
from ..forms.panorama import ProfileForm
from ..links import publish_url
from ..services import panorama, panorama_map, panorama_read, petitions
from ..services.signing import linked_signature
from ..sirene import display
from .panorama_cache import cached_page

bp = Blueprint("panorama", __name__)

CACHE = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400"


def public_petition_or_404(slug):
    petition = petitions.get_public(slug)
    if petition is None:
        abort(404)
    g.no_cookies = True  # the same page for everyone: a shared cache may keep it
    return petition


def map_labels():
    labels = {key: str(label) for key, label in LABELS.items()}
    labels["_empty"] = _("Aucune organisation localisée pour l’instant.")
    return labels


def map_svg(petition, found, external=False):
    """The map; its links are relative to /p/<slug>/ (short: 10,000 of them),
    absolute in a widget framed by another site."""
    if external:
        base = url_for("panorama.page", slug=petition.slug, _external=True)
    else:
        base = "panorama"
    return panorama_map.render(
        found,
        lambda e: f"{base}?q={e.siren}#{e.anchor}",
        map_labels(),
        _("Carte des organisations qui soutiennent « %(t)s »", t=petition.title),
    )


@bp.get("/p/<slug>/panorama", endpoint="page")
@bp.get("/p/<slug>/panorama-en", endpoint="page_en")
def page(slug):
    petition = public_petition_or_404(slug)
    filters = panorama_read.Filters.from_args(request.args)
    number = request.args.get("page", "1")
    number = int(number) if number.isdigit() and len(number) < 7 else 1

    def render(found):
        chosen = panorama_read.select_entries(found, filters)
        shown, current, pages = panorama_read.page_of(chosen, number)
        return render_template(
            "panorama/page.html",
            petition=petition,
            counts=panorama_read.counts(found),
            filters=filters,
            bands=panorama_read.BANDS,
            matching=len(chosen),
            shown=shown,
            page=current,
            pages=pages,
            labels=LABELS,
        )

    return cached_page(petition, ("page", filters.key(), number), render, CACHE)


@bp.get("/p/<slug>/carte", endpoint="map")
@bp.get("/p/<slug>/map", endpoint="map_en")
def map_page(slug):
    petition = public_petition_or_404(slug)

    def render(found):
        placed, missing = panorama_map.placed_and_not(found)
        return render_template(
            "panorama/map.html",
            petition=petition,
            svg=map_svg(petition, found),
            placed=placed,
            missing=missing,
            labels=LABELS,
        )

    return cached_page(petition, ("map",), render, CACHE)


@bp.get("/p/<slug>/carte.svg", endpoint="map_svg")
def map_image(slug):
    petition = public_petition_or_404(slug)
    return cached_page(
        petition,
        ("svg",),
        lambda found: map_svg(petition, found),
        CACHE,
        mimetype="image/svg+xml",
    )


@bp.route("/organisation/<token>", methods=["GET", "POST"], endpoint="publish")
def publish(token):
    signature, problem = _publisher(token)
    if problem:
        return render_template("panorama/publish.html", problem=problem), 400
    petition = signature.petition
    check = panorama.eligible_check(signature)
    existing = panorama.profile_of(petition.id, check.siren)
    form = ProfileForm(obj=existing)
    if request.method == "GET" and existing is None:
        form.category.data = signature.category if signature.category in LABELS else "company"
    if form.validate_on_submit():
        panorama.publish(signature, form.description.data, form.website.data, form.category.data)
        target = url_for("panorama.page", slug=petition.slug, q=check.siren)
        return render_template(
            "panorama/publish.html", done=True, petition=petition, target=target, check=check
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "panorama/publish.html",
        form=form,
        petition=petition,
        check=check,
        existing=existing,
    ), status


def _publisher(token):
    """The signature the link names when it may publish, else a reason."""
    try:
        signature = linked_signature(tokens.read("publish", token))
    except tokens.TokenError:
        return None, "invalid"
    if panorama.eligible_check(signature) is None:
        return None, "not-eligible"
    return signature, None


@bp.app_template_global("panorama_offer")
def panorama_offer(signature):
    """The publish link to show a signer, when their organisation may appear."""
    if signature is None or panorama.eligible_check(signature) is None:
        return None
    return publish_url(signature)


BAND_LABELS = {
    "0": _l("Sans salarié"),
    "1-9": _l("1 à 9 salariés"),
    "10-49": _l("10 à 49 salariés"),
    "50-249": _l("50 à 249 salariés"),
    "250+": _l("250 salariés et plus"),
}


@bp.app_template_global("band_label")
def band_label(band):
    return str(BAND_LABELS.get(band, band))


# `J — Information et communication`, as the results page writes a section.
bp.add_app_template_global(display.section_text, "naf_section_label")
