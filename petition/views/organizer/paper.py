"""Paper signatures: record one, import a CSV made from the template, review
the flagged ones, print the A4 sheet. The rules live in services/paper.py."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...categories import LABELS
from ...forms import paper_csv
from ...forms.organizer import ReasonForm
from ...forms.paper import PaperForm, PaperImportForm
from ...i18n import current_language
from ...markdown import render as render_markdown
from ...models import CATEGORIES
from ...numbers import ngettext
from ...services import access, paper
from ...uploads import body_limit
from .area import bp


def _page(petition, form=None, import_form=None, errors=(), status=200):
    return render_template(
        "organizer/paper.html",
        petition=petition,
        form=form or PaperForm(petition, formdata=None),
        import_form=import_form or PaperImportForm(formdata=None),
        import_errors=errors,
        signatures=paper.listing(petition),
        to_review=paper.to_review(petition),
        reason_form=ReasonForm(formdata=None),
    ), status


def _recorded(done):
    said = ngettext(
        "%(num)s signature papier enregistrée.",
        "%(num)s signatures papier enregistrées.",
        len(done.signatures),
    )
    if done.duplicates:
        said += " " + ngettext(
            "%(num)s doublon d’une signature existante (même e-mail) : non compté.",
            "%(num)s doublons de signatures existantes (même e-mail) : non comptés.",
            done.duplicates,
        )
    if done.to_review:
        said += " " + ngettext(
            "%(num)s à vérifier (même nom et code postal qu’une autre).",
            "%(num)s à vérifier (même nom et code postal que d’autres).",
            done.to_review,
        )
    return said


@bp.route("/petitions/<slug>/paper", methods=["GET", "POST"])
@login_required
def paper_page(slug):
    petition = access.organizer_petition_or_404(slug)
    form = PaperForm(petition)
    if request.method == "GET":
        return _page(petition)
    if not form.validate_on_submit():
        return _page(petition, form=form, status=400)
    try:
        done = paper.record(petition, [form.cleaned()], current_user)
    except paper.PaperError as exc:
        form.sheet_ref.errors = [message for _line, message in exc.errors]
        return _page(petition, form=form, status=400)
    flash(_recorded(done), "info")
    return redirect(url_for(".paper_page", slug=slug), 303)


@bp.post("/petitions/<slug>/paper/import")
@login_required
@body_limit("PAPER_IMPORT_MAX_BYTES")
def paper_import(slug):
    petition = access.organizer_petition_or_404(slug)
    form = PaperImportForm()
    if not form.validate_on_submit():
        return _page(petition, import_form=form, status=400)
    upload = form.csv_file.data
    checked = paper_csv.check(
        petition,
        upload.stream.read(paper_csv.MAX_BYTES + 1),
        form.collected_on.value,
        form.event_name.data or "",
    )
    errors = checked.errors
    if not errors:
        try:
            done = paper.record(petition, checked.rows, current_user, upload.filename or "")
        except paper.PaperError as exc:
            errors = exc.errors
        else:
            flash(_recorded(done), "info")
            return redirect(url_for(".paper_page", slug=slug), 303)
    return _page(petition, import_form=form, errors=errors, status=400)


@bp.get("/petitions/<slug>/paper/template.csv")
@login_required
def paper_template(slug):
    access.organizer_petition_or_404(slug)
    response = Response(paper_csv.template(current_language()), mimetype="text/csv")
    name = _("signatures-papier") + ".csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/petitions/<slug>/paper/sheet")
@login_required
def paper_sheet(slug):
    """The A4 sheet to print: the petition's text, the privacy notice, the columns."""
    petition = access.organizer_petition_or_404(slug)
    return render_template(
        "organizer/paper_sheet.html",
        petition=petition,
        description=render_markdown(petition.description),
        categories=[str(LABELS[key]) for key in CATEGORIES],
        lines=range(1, 13),
    )


@bp.post("/petitions/<slug>/paper/<int:signature_id>/keep")
@login_required
def paper_keep(slug, signature_id):
    petition = access.organizer_petition_or_404(slug)
    try:
        paper.keep(petition, signature_id, current_user)
    except paper.PaperError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Signature gardée : ce n’est pas un doublon."), "info")
    return redirect(url_for(".paper_page", slug=slug), 303)


@bp.post("/petitions/<slug>/paper/<int:signature_id>/withdraw")
@login_required
def paper_withdraw(slug, signature_id):
    petition = access.organizer_petition_or_404(slug)
    try:
        withdrawn = paper.withdraw(petition, signature_id, current_user)
    except paper.PaperError as exc:
        flash(str(exc), "error")
    else:
        if withdrawn:
            flash(_("Signature papier retirée ; ses données personnelles sont effacées."), "info")
        else:
            flash(_("Cette signature était déjà retirée."), "info")
    return redirect(url_for(".paper_page", slug=slug), 303)
