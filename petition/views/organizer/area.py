"""The organizer area's blueprint, under /organizer/, and the pages of it that
need no login (PUBLIC_ENDPOINTS); every route module registers on `bp`."""

from flask import Blueprint

bp = Blueprint("organizer", __name__, url_prefix="/organizer")

PUBLIC_ENDPOINTS = {
    "organizer.login",
    "organizer.forgot_password",
    "organizer.reset_password",
    "organizer.accept_invite",
    "organizer.signin_link",
}
