"""Flask-Login wiring: how a session cookie becomes an Organizer.

The session stores "<id>:<fingerprint of the password hash>", so changing
the password (reset) ends every other session of that account.
"""

from flask_babel import lazy_gettext as _l

from .extensions import db, login
from .models import Organizer


def load_organizer(user_id):
    ident, _sep, fingerprint = (user_id or "").partition(":")
    if not ident.isdigit():
        return None
    organizer = db.session.get(Organizer, int(ident))
    if organizer is None or not organizer.active or not organizer.password_hash:
        return None
    if organizer.fingerprint() != fingerprint:
        return None
    return organizer


def init_app(app):
    login.init_app(app)
    login.user_loader(load_organizer)
    login.login_view = "organizer.login"
    login.login_message = _l("Connectez-vous pour accéder à l’espace organisateur.")
    login.login_message_category = "info"
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE"))
