"""The dashboard's button: a signed attestation of the petition's support."""

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...services import access, attestations
from .area import bp


@bp.post("/petitions/<slug>/attestations")
@login_required
def create_attestation(slug):
    petition = access.organizer_petition_or_404(slug)
    if not current_app.config["ATTESTATIONS_ENABLED"]:
        abort(404)
    try:
        entry = attestations.create(petition, current_user)
    except attestations.AttestationError:
        flash(_("Les signatures ont changé pendant l’export : réessayez."), "error")
    else:
        flash(
            _(
                "Attestation %(id)s créée : %(n)s signatures vérifiées.",
                id=entry.id,
                n=entry.verified_total,
            ),
            "success",
        )
    return redirect(url_for(".dashboard", slug=slug) + "#h-attestations")
