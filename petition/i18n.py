"""Language choice: `?lang=` on any page, then the `lang` cookie, then the
browser's Accept-Language; French by default.

Public responses that shared caches keep (sessions.py) ignore the cookie, and
a response worded from Accept-Language carries `Vary: Accept-Language`, so a
cache keyed as the headers say never serves one language for the other.
"""

from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request, url_for
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.routing import BuildError

COOKIE = "lang"
#: The language petitions are written in (titles, descriptions, territories).
CONTENT_LANGUAGE = "fr"


def select_locale():
    if not has_request_context():
        # CLI commands and jobs: French, unless they force a locale (emails do).
        return None
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        g.set_lang_cookie = asked
        return asked
    if not g.get("no_cookies"):
        cookie = request.cookies.get(COOKIE)
        if cookie in languages:
            return cookie
    g.language_from_header = True
    return request.accept_languages.best_match(languages) or languages[0]


def message_context():
    """A request context for code outside requests whose messages go through
    Flask-Babel (CLI commands calling services): French, the default."""
    return current_app.test_request_context("/")


def current_language():
    return str(get_locale() or "fr")


def content_lang():
    """` lang="fr"` for an element holding petition content when the interface
    speaks another language, so a screen reader reads it with French voice."""
    if current_language() == CONTENT_LANGUAGE:
        return ""
    return Markup(f' lang="{CONTENT_LANGUAGE}"')


def content_span(text):
    """`text` (petition content) inside a sentence of the interface: wrapped in
    a span marked lang="fr" when the interface speaks another language."""
    if current_language() == CONTENT_LANGUAGE:
        return text
    return Markup('<span lang="{}">{}</span>').format(CONTENT_LANGUAGE, text)


def switch_url(lang):
    """The current page in another language, built from the matched route.

    Never from the raw path: `/%5Cevil.example/x` would give a link
    `/\\evil.example/x?lang=en`, which browsers open on another host. A page
    with no route behind it (404, 405) links to the home page instead.
    """
    home = url_for("public.index", lang=lang)
    rule = request.url_rule
    if rule is None or "GET" not in rule.methods:
        return home
    try:
        path = url_for(rule.endpoint, **(request.view_args or {}))
    except BuildError:
        return home
    if not path.startswith("/") or path.startswith(("//", "/\\")):
        return home
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{path}?{urlencode(args, doseq=True)}"


def init_app(app):
    @app.context_processor
    def language_helpers():
        return {"current_language": current_language, "switch_url": switch_url}

    app.jinja_env.globals.update(content_lang=content_lang, content_span=content_span)

    @app.after_request
    def vary_on_the_language(response):
        if g.get("language_from_header"):
            response.vary.add("Accept-Language")
        return response

    @app.after_request
    def remember_language(response):
        lang = g.get("set_lang_cookie")
        if lang and not g.get("no_cookies"):
            response.set_cookie(
                COOKIE,
                lang,
                max_age=365 * 86400,
                samesite="Lax",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
        return response
