"""Which responses touch the session: public ones that a shared cache keeps
(the API, the embed, the badge, widget.js) never do.

On those paths the session is never opened (Flask's null session: no cookie
read, none written, so no `Set-Cookie` and no `Vary: Cookie`, 404s included),
nobody is logged in (Flask-Login does not look at the session or the remember
cookie), and the language cookie is ignored: the language comes from `?lang=`
or `Accept-Language` only, and a response worded from `Accept-Language` says
so with `Vary: Accept-Language` (i18n.py). A CDN or nginx may then keep them
as their headers say.
"""

from flask import g, request
from flask.sessions import SecureCookieSessionInterface

from .extensions import login

#: Paths whose responses are public and may be kept by shared caches.
PUBLIC_PREFIXES = ("/api/", "/embed/", "/badge/", "/widget.js", "/frame.js")


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left closed on public paths."""

    def open_session(self, app, request):
        if is_public(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app):
    app.session_interface = SessionInterface()

    @app.before_request
    def public_responses_are_anonymous():
        if is_public(request.path):
            g.no_cookies = True
            g._login_user = login.anonymous_user()  # Flask-Login: no session lookup
