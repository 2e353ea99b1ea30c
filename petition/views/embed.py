"""The counter for sites we don't control: an iframe page, a script, a badge.

Only `/embed/<slug>` may be framed by other sites; none of these responses
reads the session or sets a cookie (petition/sessions.py) or calls a third
party, and those worded in the reader's language say `Vary: Accept-Language`.
Everything here reads the cached count: no SQL on a cache hit.
"""

import json

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import numbers, security
from ..extensions import limiter
from ..services import counters, overview
from .api import matches

bp = Blueprint("embed", __name__)
limiter.exempt(bp)

THEMES = ("light", "dark")
WIDGET_PLACEHOLDER = '"__LABELS__"'


def _doc_or_404(slug):
    doc = counters.read(slug)
    if doc is None:
        abort(404)
    return doc


@bp.get("/embed/<slug>")
def embed(slug):
    doc = _doc_or_404(slug)
    security.allow_framing()
    theme = request.args.get("theme")
    response = current_app.make_response(
        render_template(
            "embed/counter.html",
            doc=doc,
            theme=theme if theme in THEMES else "light",
            compact=request.args.get("compact") == "1",
            petition_url=url_for("public.petition", slug=slug, _external=True),
        )
    )
    response.headers["Cache-Control"] = "public, max-age=30, stale-while-revalidate=60"
    return response


@bp.get("/embed/ranking", endpoint="ranking")
@bp.get("/embed/classement", endpoint="ranking")  # registered first: url_for builds it
def ranking():
    """The overview's ranking for other sites: same rules as the counter."""
    security.allow_framing()
    theme = request.args.get("theme")
    theme = theme if theme in THEMES else "light"
    args = {"theme": theme} if theme != "light" else {}
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        args["lang"] = request.args["lang"]
    view = overview.overview(request.args.get("tri"))
    response = current_app.make_response(
        render_template("embed/ranking.html", view=view, theme=theme, args=args)
    )
    response.headers["Cache-Control"] = "public, max-age=30, stale-while-revalidate=60"
    return response


#: Like the API's count: a cache keeps the badge a few seconds, then asks
#: again with its ETag and mostly gets a 304.
CACHE_BADGE = "public, max-age=2, stale-while-revalidate=10, stale-if-error=86400"


def badge_language():
    """`?lang=`, else the reader's Accept-Language: never the `lang` cookie,
    so the body depends only on the URL and the header named in Vary (an image
    on another site is fetched without our cookies anyway)."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    return request.accept_languages.best_match(languages) or languages[0]


@bp.get("/badge/<slug>.svg")
def badge(slug):
    doc = _doc_or_404(slug)
    lang = badge_language()
    # The count's own ETag and the language: checked before anything is drawn.
    etag = doc.etag[:-1] + "-" + lang + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_BADGE,
        "Vary": "Accept-Language, Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
    }
    if matches(etag):
        return Response(status=304, headers=headers)
    with force_locale(lang):
        label = numbers.supporters_label(doc.signature_count)
        value = numbers.badge_value(doc.signature_count, doc.local_count, doc.goal)
        svg = render_template(
            "embed/badge.svg",
            doc=doc,
            label=label,
            value=value,
            sentence=numbers.count_sentence(
                doc.signature_count, doc.goal, doc.local_count, doc.goal_scope, doc.paper_count
            ),
            label_width=_text_width(label),
            value_width=_text_width(value),
        )
    return Response(svg, headers=headers, mimetype="image/svg+xml")


def _text_width(text):
    """Rough width in px of `text` at 11px Verdana-like type, plus padding."""
    return int(len(text) * 6.8) + 14


@bp.get("/widget.js")
def widget():
    body = current_app.extensions.get("widget_js")
    if body is None:
        body = current_app.extensions["widget_js"] = _build_widget()
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600, stale-while-revalidate=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/frame.js")
def frame_js():
    """The tiny helper the iframe snippet carries: fits the frame to its content."""
    body = current_app.extensions.get("frame_js")
    if body is None:
        with open(current_app.root_path + "/static/js/frame.js", "rb") as f:
            body = current_app.extensions["frame_js"] = f.read()
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=3600, stale-while-revalidate=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


def widget_labels():
    """The widget's words in each language, from the same catalog as the site."""
    labels = {}
    for lang in current_app.config["LANGUAGES"]:
        with force_locale(lang):
            labels[lang] = {
                "forms": _short(numbers.count_forms()),
                "forms_local": _short(numbers.count_forms("local")),
                "sign": _("Signer la pétition"),
                "ranking": _("Classement des territoires French Tech"),
                "progress": _("Progression vers l’objectif"),
                "loading": _("Chargement du compteur…"),
                "error": _("Compteur indisponible"),
                # "(dont # sur papier)": the catalog's note, its number a slot (#)
                "paper": numbers.paper_note(7).replace("7", "#"),
            }
    return labels


def _short(forms):
    """The forms without those that say what "other" says (count.js falls
    back to it): widget.js stays under 5 KiB with every language in it."""
    return {k: v for k, v in forms.items() if k == "other" or v != forms.get("other")}


def _build_widget():
    """widget.min.js (petition/dev/widget.py builds it, count.js inside) with
    the labels put in: reading a file and one replace, nothing else."""
    with open(current_app.root_path + "/static/js/widget.min.js", encoding="utf-8") as f:
        text = f.read().split("\n", 1)[1]  # the build's line, for us, not for readers
    labels = json.dumps(widget_labels(), ensure_ascii=False, separators=(",", ":"))
    return text.replace(WIDGET_PLACEHOLDER, labels, 1).encode("utf-8")
