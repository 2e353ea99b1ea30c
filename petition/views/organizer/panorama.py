"""The organiser's side of the panorama: hide or show a profile, choose the
open-data licence of its CSV. Each hide or show is logged (services/audit)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...forms.panorama import HideForm, LicenceForm
from ...models import MAX_ID
from ...services import access, panorama, panorama_read
from .area import bp


def _page(petition, licence_form, status=200):
    return render_template(
        "organizer/panorama.html",
        petition=petition,
        profiles=panorama.profiles(petition),
        hide_form=HideForm(),
        licence_form=licence_form,
    ), status


@bp.get("/petitions/<slug>/panorama")
@login_required
def panorama_list(slug):
    petition = access.organizer_petition_or_404(slug)
    form = LicenceForm(data={"licence": panorama_read.licence(petition)})
    return _page(petition, form)


@bp.post("/petitions/<slug>/panorama/licence")
@login_required
def panorama_licence(slug):
    petition = access.organizer_petition_or_404(slug)
    form = LicenceForm()
    if not form.validate_on_submit():
        return _page(petition, form, 400)
    panorama.set_licence(petition, form.licence.data)
    flash(_("Licence enregistrée."), "info")
    return redirect(url_for(".panorama_list", slug=slug), 303)


@bp.post("/petitions/<slug>/panorama/<int:profile_id>/hide", defaults={"hidden": True})
@bp.post("/petitions/<slug>/panorama/<int:profile_id>/show", defaults={"hidden": False})
@login_required
def panorama_hide(slug, profile_id, hidden):
    petition = access.organizer_petition_or_404(slug)
    if not HideForm().validate_on_submit():
        flash(_("La page a expiré : recommencez."), "error")
        return redirect(url_for(".panorama_list", slug=slug), 303)
    if profile_id > MAX_ID or not panorama.set_hidden(petition, profile_id, hidden, current_user):
        abort(404)
    flash(_("Fiche masquée.") if hidden else _("Fiche de nouveau visible."), "info")
    return redirect(url_for(".panorama_list", slug=slug), 303)
