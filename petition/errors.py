"""Error pages in the user's language (JSON under /api/). A broken database
answers 503, a stale form 400 with a way back; nothing half written stays."""

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

log = logging.getLogger(__name__)


def _titles():
    return {
        400: _("Requête invalide"),
        403: _("Accès refusé"),
        404: _("Page introuvable"),
        405: _("Méthode non autorisée"),
        413: _("Envoi trop volumineux"),
        429: _("Trop de tentatives"),
        500: _("Erreur du serveur"),
        503: _("Service momentanément indisponible"),
    }


def _messages():
    return {
        404: _("Cette page n'existe pas, ou plus. Vérifiez l'adresse."),
        413: _(
            "Ce que vous avez envoyé dépasse la taille autorisée ; rien n'a été "
            "enregistré. Raccourcissez les textes et envoyez de nouveau le formulaire."
        ),
        429: _("Vous avez fait trop de tentatives. Réessayez dans quelques minutes."),
        503: _(
            "Le service est momentanément indisponible. Réessayez dans un instant ; "
            "rien n'a été enregistré."
        ),
    }


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; nothing was committed
        log.warning("Rollback failed", exc_info=True)


def render_error(code, message=None):
    title = _titles().get(code, _("Erreur"))
    message = message or _messages().get(code) or title
    if request.path.startswith("/api/"):
        return jsonify(error=title, message=message, status=code), code
    return render_template("error.html", code=code, title=title, message=message), code


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(
            400,
            _(
                "Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
                "Rechargez la page et envoyez-le de nouveau."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc):
        response = render_error(exc.code or 500)
        if exc.code == 429 or exc.code == 405:
            body, code = response
            body = app.make_response((body, code))
            for key, value in exc.get_headers():
                if key.lower() in ("retry-after", "allow"):
                    body.headers[key] = value
            return body
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_down(exc):
        log.error("Database unavailable: %s", exc)
        _rollback()
        return render_error(503)

    # Not `errorhandler(Exception)`: that would take unhandled errors away from
    # Flask's own handling, which sends `got_request_exception` (error reports),
    # logs the traceback, and re-raises in debug for the debugger. Flask then
    # gives us the 500 with the original error attached.
    @app.errorhandler(InternalServerError)
    def unexpected(exc):
        _rollback()
        return render_error(500, _("Une erreur inattendue s'est produite. Réessayez."))
