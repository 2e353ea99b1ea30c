"""The organizer's petitions: list, create (administrators), edit, invite a
colleague, answer an invitation. Create and edit follow the same rules as
`flask petition create`."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...forms.organizer import EmailForm, PetitionForm, local_input
from ...services import access, grants, organizers, petitions, territory
from .area import bp

FIELDS = (
    "slug",
    "title",
    "description",
    "territory",
    "goal",
    "goal_scope",
    "state",
    "controller_name",
    "controller_email",
    "controller_address",
    "retention_days",
)


@bp.get("/")
@login_required
def index():
    return render_template("organizer/index.html", petitions=access.visible_petitions(current_user))


@bp.route("/petitions/new", methods=["GET", "POST"])
@login_required
def new_petition():
    access.admin_or_404()
    form = PetitionForm()
    return _save(form, None)


@bp.route("/petitions/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_petition(slug):
    petition = access.organizer_petition_or_404(slug)
    form = PetitionForm(obj=petition) if request.method == "GET" else PetitionForm()
    if request.method == "GET":
        form.communes.data, form.epci.data, form.departements.data = territory.codes_text(petition)
        form.opens_at.data = local_input(petition.opens_at)
        form.closes_at.data = local_input(petition.closes_at)
    return _save(form, petition)


def _save(form, petition):
    error = None
    if form.find.data or form.add.data:  # the no-JavaScript place search: no save
        if form.add.data:
            territory.add_picked(form)
        found = territory.search(form.place_search.data) if form.find.data else []
        return render_template(
            "organizer/petition_form.html", form=form, petition=petition, found=found
        )
    if form.validate_on_submit():
        fields = {name: form[name].data for name in FIELDS}
        fields["opens_at"], fields["closes_at"] = form.opens_at.value, form.closes_at.value
        fields["description"] = fields["description"] or ""
        try:
            areas = petitions.parse_territory(
                form.communes.data, form.epci.data, form.departements.data
            )
            saved = petitions.save(fields, areas, petition=petition)
            if petition is None:
                organizers.assign(current_user, saved, current_user)
        except petitions.PetitionError as exc:
            error = str(exc)
        else:
            flash(_("Pétition enregistrée."), "info")
            return redirect(url_for(".dashboard", slug=saved.slug))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "organizer/petition_form.html", form=form, error=error, petition=petition
    ), status


@bp.post("/petitions/<slug>/invite")
@login_required
def invite(slug):
    petition = access.organizer_petition_or_404(slug)
    form = EmailForm()
    if not form.validate_on_submit():
        flash(_("Adresse e-mail invalide : invitation non envoyée."), "error")
        return redirect(url_for(".dashboard", slug=slug), 303)
    try:
        outcome = organizers.invite(current_user, form.email.data, petition)
    except organizers.OrganizerError as exc:
        flash(str(exc), "error")
    else:
        already = outcome == organizers.InviteOutcome.ALREADY
        flash(
            _("%(e)s a déjà accès à cette pétition.", e=form.email.data)
            if already
            else _("Invitation envoyée à %(e)s.", e=form.email.data),
            "info",
        )
    return redirect(url_for(".dashboard", slug=slug), 303)


@bp.route("/access/<token>", methods=["GET", "POST"])
@login_required
def answer_grant(token):
    """The emailed offer of a petition: only the invited account may answer it."""
    if request.method == "GET":
        found = grants.inspect(token, current_user)
    elif request.form.get("action") in ("accept", "decline"):
        found = grants.answer(token, current_user, request.form["action"] == "accept")
    else:
        abort(400)
    if found.outcome != grants.GrantOutcome.READY:
        return render_template(
            "organizer/link_error.html", outcome=found.outcome, purpose="grant"
        ), (403 if found.outcome == grants.GrantOutcome.OTHER_ACCOUNT else 400)
    if request.method == "GET":
        return render_template(
            "organizer/grant.html", petition=found.petition, inviter=found.grant.inviter
        )
    if request.form["action"] == "accept":
        flash(_("Vous co-organisez maintenant « %(t)s ».", t=found.petition.title), "info")
        return redirect(url_for(".dashboard", slug=found.petition.slug), 303)
    flash(_("Invitation refusée."), "info")
    return redirect(url_for(".index"), 303)
