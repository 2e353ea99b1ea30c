"""The organiser area under /organizer/: every page needs a login, except
the login, password-reset and invitation pages listed in PUBLIC_ENDPOINTS
(tests check that every other /organizer/ route redirects an anonymous
visitor to the login page)."""
from flask import Blueprint

bp = Blueprint("organizer", __name__, url_prefix="/organizer")

PUBLIC_ENDPOINTS = {
    "organizer.login", "organizer.forgot_password", "organizer.reset_password",
    "organizer.accept_invite", "organizer.signin_link",
}


def blueprint():
    from . import admin, auth, dashboard, exports, moderation, petitions  # noqa: F401

    return bp
