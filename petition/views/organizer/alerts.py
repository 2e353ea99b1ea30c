"""The dashboard's milestones and webhooks: add, remove, test, re-enable.
Every action redirects to the dashboard with a message. Ids in URLs are
bounded by the app-wide <int:> converter (petition/routing.py)."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...forms.alerts import MilestoneForm, WebhookForm
from ...services import access, milestones, webhooks
from .area import bp


def _back(slug, anchor):
    return redirect(url_for(".dashboard", slug=slug, _anchor=anchor), 303)


def _first_error(form):
    """One message per field, the first: "not a number" says it all."""
    return " ".join(str(field.errors[0]) for field in form if field.errors)


@bp.post("/petitions/<slug>/milestones")
@login_required
def add_milestone(slug):
    petition = access.organizer_petition_or_404(slug)
    form = MilestoneForm()
    if not form.validate_on_submit():
        flash(_first_error(form) or _("Palier invalide."), "error")
        return _back(slug, "h-milestones")
    try:
        milestones.add(petition, form.kind.data, form.value.data)
    except milestones.MilestoneError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Palier ajouté."), "info")
    return _back(slug, "h-milestones")


@bp.post("/petitions/<slug>/milestones/<int:milestone_id>/delete")
@login_required
def delete_milestone(slug, milestone_id):
    petition = access.organizer_petition_or_404(slug)
    if not milestones.remove(petition, milestone_id):
        abort(404)
    flash(_("Palier supprimé."), "info")
    return _back(slug, "h-milestones")


@bp.post("/petitions/<slug>/webhooks")
@login_required
def add_webhook(slug):
    petition = access.organizer_petition_or_404(slug)
    form = WebhookForm()
    if not form.validate_on_submit():
        flash(_first_error(form) or _("Adresse invalide."), "error")
        return _back(slug, "h-webhooks")
    try:
        webhooks.register(petition, form.url.data, form.events.data)
    except webhooks.WebhookError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Adresse ajoutée. Son secret de signature est affiché ci-dessous."), "info")
    return _back(slug, "h-webhooks")


def _endpoint_or_404(petition, endpoint_id):
    endpoint = webhooks.endpoint_of(petition, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.post("/petitions/<slug>/webhooks/<int:endpoint_id>/delete")
@login_required
def delete_webhook(slug, endpoint_id):
    petition = access.organizer_petition_or_404(slug)
    webhooks.remove(petition, _endpoint_or_404(petition, endpoint_id).id)
    flash(_("Adresse supprimée."), "info")
    return _back(slug, "h-webhooks")


@bp.post("/petitions/<slug>/webhooks/<int:endpoint_id>/test")
@login_required
def test_webhook(slug, endpoint_id):
    petition = access.organizer_petition_or_404(slug)
    webhooks.send_test(_endpoint_or_404(petition, endpoint_id))
    flash(_("Événement de test envoyé : son résultat s’affiche dans le journal."), "info")
    return _back(slug, "h-webhooks")


@bp.post("/petitions/<slug>/webhooks/<int:endpoint_id>/enable")
@login_required
def enable_webhook(slug, endpoint_id):
    petition = access.organizer_petition_or_404(slug)
    webhooks.enable(_endpoint_or_404(petition, endpoint_id))
    flash(_("Adresse réactivée."), "info")
    return _back(slug, "h-webhooks")
