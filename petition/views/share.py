"""The share kit (links, snippets, QR codes, A4 poster) and the public
supporters list. Share links are plain URLs built here: no tracking script."""

import io
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import segno
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from ..services import petitions, supporters
from ..urls import external_url

bp = Blueprint("share", __name__)

SUMMARY_LENGTH = 200


def _petition_or_404(slug):
    petition = petitions.get_public(slug)
    if petition is None:
        abort(404)
    return petition


@bp.app_context_processor
def share_helpers():
    return {"share_kit": share_kit}


def share_kit(petition):
    """Everything the petition page offers for sharing, with absolute URLs."""
    url = external_url("public.petition", slug=petition.slug)
    text = _("Je soutiens « %(title)s » : signez vous aussi !", title=petition.title)
    return SimpleNamespace(
        url=url,
        summary=_summary(petition),
        links=share_links(url, text, petition.title),
        snippets=snippets(petition, url),
        qr_svg=external_url("share.qr_svg", slug=petition.slug),
        qr_png=external_url("share.qr_png", slug=petition.slug),
        poster=external_url("share.poster", slug=petition.slug),
        supporters=external_url("share.supporters", slug=petition.slug),
        results=external_url("results.page", slug=petition.slug),
    )


def _summary(petition):
    words = " ".join((petition.description or "").replace("*", "").replace("#", "").split())
    if len(words) > SUMMARY_LENGTH:
        words = words[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + "…"
    return words or _("Pétition de soutien à %(territory)s.", territory=petition.territory)


def share_links(url, text, title):
    mail = urlencode({"subject": title, "body": f"{text}\n{url}"}, quote_via=quote)
    return [
        {"label": _("Par e-mail"), "href": f"mailto:?{mail}"},
        {
            "label": "LinkedIn",
            "href": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {
            "label": "X (Twitter)",
            "href": "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url}),
        },
        {
            "label": "Mastodon",
            "href": "https://mastodonshare.com/?" + urlencode({"text": text, "url": url}),
        },
        {
            "label": "Facebook",
            "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
    ]


def snippets(petition, url):
    embed = external_url("embed.embed", slug=petition.slug)
    widget = external_url("embed.widget")
    badge = external_url("embed.badge", slug=petition.slug)
    title = _("Compteur de la pétition %(title)s", title=petition.title)
    return [
        {
            "id": "iframe",
            "label": _("Cadre (iframe)"),
            "help": _("Options : ?theme=dark, ?lang=en, ?compact=1."),
            "code": f'<iframe src="{embed}" title="{_escape(title)}" width="320" height="190" '
            'style="border:0;max-width:100%" loading="lazy"></iframe>',
        },
        {
            "id": "script",
            "label": _("Script (compteur en direct)"),
            "help": _('Sans cookie ; options data-lang="en" et data-theme="dark".'),
            "code": f'<div data-petition="{petition.slug}"></div>\n'
            f'<script src="{widget}" async></script>',
        },
        {
            "id": "badge",
            "label": _("Badge SVG (e-mails, README)"),
            "help": _("Une image, sans script : HTML ou Markdown."),
            "code": f'<a href="{url}"><img src="{badge}" alt="{_escape(title)}"></a>\n'
            f"[![{title}]({badge})]({url})",
        },
    ]


def _escape(text):
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _qr(petition):
    return segno.make(external_url("public.petition", slug=petition.slug), error="m")


@bp.get("/p/<slug>/qr.svg")
def qr_svg(slug):
    out = io.BytesIO()
    _qr(_petition_or_404(slug)).save(out, kind="svg", scale=8, border=2, title=slug)
    return _cached(Response(out.getvalue(), mimetype="image/svg+xml"))


@bp.get("/p/<slug>/qr.png")
def qr_png(slug):
    out = io.BytesIO()
    _qr(_petition_or_404(slug)).save(out, kind="png", scale=10, border=2)
    return _cached(Response(out.getvalue(), mimetype="image/png"))


def _cached(response):
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/p/<slug>/affiche", endpoint="poster")
@bp.get("/p/<slug>/poster", endpoint="poster")
def poster(slug):
    petition = _petition_or_404(slug)
    return render_template(
        "share/poster.html", petition=petition, url=external_url("public.petition", slug=slug)
    )


@bp.get("/p/<slug>/soutiens", endpoint="supporters")
@bp.get("/p/<slug>/supporters", endpoint="supporters")
def supporters_page(slug):
    petition = _petition_or_404(slug)
    page = supporters.page(petition.id, request.args.get("page", 1, type=int))
    return render_template("supporters.html", petition=petition, page=page)
