"""Site administrators: every organizer, and inviting one to any petitions."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ...forms.organizer import OrganizerForm
from ...services import access, audit, organizers
from .area import bp


@bp.route("/admin/organizers", methods=["GET", "POST"])
@login_required
def admin_organizers():
    access.admin_or_404()
    form = OrganizerForm()
    form.petitions.choices = [
        SelectChoice(p.slug, p.title) for p in access.visible_petitions(current_user)
    ]
    if form.validate_on_submit():
        try:
            organizers.create_and_invite(
                current_user, form.email.data, form.petitions.data, form.is_admin.data
            )
        except organizers.OrganizerError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(_("Invitation envoyée à %(e)s.", e=form.email.data), "info")
            return redirect(url_for(".admin_organizers"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "organizer/admin_organizers.html",
        form=form,
        organizers=organizers.list_all(),
        events=audit.events(None, limit=50),
    ), status
