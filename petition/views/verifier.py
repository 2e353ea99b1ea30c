"""Anyone verifies: the public keys (JWKS), and /verifier (alias /verify),
which checks an uploaded attestation (JSON or PDF), an export manifest, or a
stored attestation by its id, beside today's live figures. The check itself
is petition/verify.py, the same code as the offline command."""

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import keys, verify
from ..services import attestations
from ..uploads import body_limit

bp = Blueprint("verifier", __name__)

#: petition/verify.py's reasons, in the visitor's language.
REASONS = {
    "not_json": _l("Ce fichier n’est ni un document JSON ni une attestation PDF."),
    "not_envelope": _l("Ce document n’est ni une attestation ni un manifeste d’export."),
    "unknown_key": _l("Le document nomme une clé que cette plateforme ne publie pas."),
    "bad_signature": _l(
        "La signature ne correspond pas : le document a été modifié, "
        "ou n’a pas été signé par cette clé."
    ),
    "pdf_signature": _l(
        "Le PDF a été modifié après sa signature : sa signature ne correspond pas."
    ),
    "pdf_unsigned": _l("Ce PDF ne porte pas de signature de cette plateforme."),
    "pdf_mismatch": _l("L’attestation jointe au PDF est absente ou ne correspond pas."),
}


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public keys, current first; kept after a rotation so old documents verify."""
    response = jsonify(keys.keyring().jwks)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _outcome(result, stored=None):
    ring = keys.keyring()
    payload = result.payload if result.valid else {}
    petition = payload.get("petition") if result.kind == "attestation" else None
    return {
        "result": result,
        "reason": REASONS.get(result.reason, ""),
        "current_key": result.kid == ring.kid,
        "payload": payload,
        "stored": stored,
        "live": attestations.live_figures(petition.get("slug")) if petition else None,
    }


def _page(status=200, **context):
    response = Response(render_template("verifier.html", **context), status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _by_id(att_id):
    stored = attestations.find(att_id.strip())
    if stored is None:
        return _page(404, error=_("Aucune attestation ne porte cet identifiant."), att_id=att_id)
    result = verify.verify_document(
        attestations.envelope_of(stored), verify.keys_from_jwks(keys.keyring().jwks)
    )
    return _page(att_id=stored.id, **_outcome(result, stored))


@bp.route("/verifier", methods=["GET", "POST"])
@bp.route("/verify", methods=["GET", "POST"], endpoint="verify_alias")
@body_limit("VERIFIER_MAX_UPLOAD")
def verify_page():
    att_id = (request.values.get("id") or "").strip()
    if request.method == "GET":
        return _by_id(att_id) if att_id else _page()
    upload = request.files.get("document")
    data = upload.read() if upload else b""
    if data:
        result = verify.verify_bytes(data, verify.keys_from_jwks(keys.keyring().jwks))
        return _page(200 if result.valid else 400, **_outcome(result))
    if att_id:
        return _by_id(att_id)
    return _page(
        400, error=_("Choisissez un fichier, ou saisissez l’identifiant d’une attestation.")
    )


@bp.get("/verifier/<att_id>/attestation.<any(json, pdf):kind>")
def download(att_id, kind):
    """The stored attestation, for whoever holds its id (it is not guessable)."""
    stored = attestations.find(att_id)
    if stored is None:
        abort(404)
    if kind == "json":
        body, mimetype = stored.document.encode(), "application/json"
    else:
        lang = "en" if request.args.get("lang") == "en" else "fr"
        body, mimetype = attestations.pdf_of(stored, lang), "application/pdf"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="attestation-{stored.id}.{kind}"'
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
