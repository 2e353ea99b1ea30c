"""Who organizes a petition and what they did: its organizers (remove one),
its audit log as sentences, and the log as CSV; the administrators'
deactivation and reactivation of accounts."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ... import logtext
from ...services import access, accounts, audit, audit_export
from .area import bp


def _account_or_404(organizer_id):
    organizer = accounts.by_id(organizer_id)
    if organizer is None:
        abort(404)
    return organizer


@bp.get("/petitions/<slug>/access")
@login_required
def access_page(slug):
    petition = access.organizer_petition_or_404(slug)
    return render_template(
        "organizer/access.html",
        petition=petition,
        team=accounts.team(petition),
        events=audit.events(petition),
        form=FlaskForm(),
    )


@bp.get("/petitions/<slug>/audit.csv")
@login_required
def audit_csv(slug):
    petition = access.organizer_petition_or_404(slug)
    response = Response(audit_export.as_csv(petition, logtext.audit_event), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-journal.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/petitions/<slug>/organizers/<int:organizer_id>/remove")
@login_required
def remove_organizer(slug, organizer_id):
    petition = access.organizer_petition_or_404(slug)
    if not FlaskForm().validate_on_submit():
        abort(400)
    organizer = _account_or_404(organizer_id)
    if accounts.remove(current_user, organizer, petition):
        flash(_("%(e)s n’a plus accès à cette pétition.", e=organizer.email), "info")
    else:
        flash(_("%(e)s n’avait pas accès à cette pétition.", e=organizer.email), "info")
    if organizer.id == current_user.id and not access.can_manage(current_user, petition.id):
        return redirect(url_for(".index"), 303)
    return redirect(url_for(".access_page", slug=slug), 303)


@bp.post("/admin/organizers/<int:organizer_id>/<any(deactivate, activate):change>")
@login_required
def change_account(organizer_id, change):
    access.admin_or_404()
    if not FlaskForm().validate_on_submit():
        abort(400)
    organizer = _account_or_404(organizer_id)
    try:
        if change == "deactivate":
            accounts.deactivate(current_user, organizer)
            flash(
                _("Compte de %(e)s désactivé : ses sessions sont fermées.", e=organizer.email),
                "info",
            )
        else:
            accounts.activate(current_user, organizer)
            flash(_("Compte de %(e)s réactivé.", e=organizer.email), "info")
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".admin_organizers"), 303)
