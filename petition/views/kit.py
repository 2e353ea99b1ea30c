"""The share kit page, `/p/<slug>/partager` (alias `/share`): each snippet
(iframe, script, badge, ranking) with its live preview, the options that rewrite them
(theme, language, compact, width: a GET form without JavaScript, live with
static/js/kit.js), copy buttons, QR codes, the poster, and help for the
webmaster who pastes them. Routes on the `share` blueprint."""

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import render_template, request
from flask_babel import gettext as _

from ..i18n import current_language
from ..urls import external_url
from .share import _escape, _petition_or_404, bp, share_kit

THEMES = ("light", "dark")
LANGUAGES = ("fr", "en")
WIDTHS = (240, 600)
DEFAULT_WIDTH = 320
#: The frame's height before the resize helper runs: the default content
#: (title on two lines, count, bar, sign link) in French and in English at
#: 320 px, measured in Chromium (tests/browser/test_embed_fits.py).
DEFAULT_HEIGHT = 230
COMPACT_HEIGHT = 130


@dataclass(frozen=True)
class Options:
    theme: str = "light"
    lang: str = "fr"
    compact: bool = False
    width: int = DEFAULT_WIDTH

    @classmethod
    def from_args(cls, args, default_lang):
        theme = args.get("theme")
        # Not `lang`: that one switches the whole site's language (i18n.py).
        asked = args.get("counter_lang")
        lang = asked if asked in LANGUAGES else default_lang
        try:
            width = int(args.get("width", DEFAULT_WIDTH))
        except ValueError:
            width = DEFAULT_WIDTH
        return cls(
            theme=theme if theme in THEMES else "light",
            lang=lang,
            compact=args.get("compact") == "1",
            width=min(max(width, WIDTHS[0]), WIDTHS[1]),
        )

    def query(self):
        """The embed's query string: only what differs from its defaults."""
        params = {}
        if self.theme != "light":
            params["theme"] = self.theme
        if self.lang != "fr":
            params["lang"] = self.lang
        if self.compact:
            params["compact"] = "1"
        return ("?" + urlencode(params)) if params else ""


def kit_snippets(petition, options):
    """The four snippets for these options, as the page shows and copies them
    (the ranking: every territory, the widget's `classement` option)."""
    url = external_url("public.petition", slug=petition.slug)
    embed = external_url("embed.embed", slug=petition.slug) + options.query()
    frame_js = external_url("embed.frame_js")
    widget = external_url("embed.widget")
    badge = external_url("embed.badge", slug=petition.slug)
    if options.lang != "fr":
        badge += "?lang=" + options.lang
    title = _escape(_("Compteur de la pétition %(title)s", title=petition.title))
    height = COMPACT_HEIGHT if options.compact else DEFAULT_HEIGHT
    attrs = f' data-lang="{options.lang}"' if options.lang != "fr" else ""
    attrs += f' data-theme="{options.theme}"' if options.theme != "light" else ""
    return {
        "iframe": f'<iframe src="{embed}" title="{title}" width="{options.width}" '
        f'height="{height}" style="border:0;max-width:100%" loading="lazy" '
        f'data-petition-frame></iframe>\n<script src="{frame_js}" async></script>',
        "script": f'<div data-petition="{petition.slug}"{attrs}></div>\n'
        f'<script src="{widget}" async></script>',
        "badge": f'<a href="{url}"><img src="{badge}" alt="{title}"></a>',
        "ranking": f'<div data-petition="classement"{attrs}></div>\n'
        f'<script src="{widget}" async></script>',
    }


@bp.get("/p/<slug>/share", endpoint="kit")
@bp.get("/p/<slug>/partager", endpoint="kit")  # registered first: url_for builds it
def kit(slug):
    petition = _petition_or_404(slug)
    options = Options.from_args(request.args, default_lang=current_language())
    return render_template(
        "share/kit.html",
        petition=petition,
        kit=share_kit(petition),
        options=options,
        snippets=kit_snippets(petition, options),
        origin=external_url("public.index").rstrip("/"),
        sizes={"default": DEFAULT_HEIGHT, "compact": COMPACT_HEIGHT},
    )
