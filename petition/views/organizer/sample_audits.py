"""The sample audit page: start an audit (sample size, with its default
explained), follow its progress, close it."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...forms.sample_audit import CloseAuditForm, SampleAuditForm
from ...numbers import ngettext
from ...services import access, sample_audits
from .area import bp

ERRORS = {
    "open": lambda: _("Un audit est déjà en cours : closez-le avant d’en lancer un autre."),
    "empty": lambda: _(
        "Aucun signataire ne peut être tiré au sort : aucune signature vérifiée "
        "qui n’ait déjà été tirée au sort et qui puisse encore recevoir un e-mail."
    ),
}


def percent(value: float) -> str:
    """A share with one decimal, the page's way ("93,4 %", "93.4%")."""
    return format_percent(value, "#,##0.0%")


def _page(petition, form, status=200):
    population = sample_audits.verified_count(petition)
    if form.size.data is None and not form.errors:
        form.size.data = sample_audits.default_size(population) or None
    return render_template(
        "organizer/sample_audit.html",
        petition=petition,
        form=form,
        close_form=CloseAuditForm(formdata=None),
        population=population,
        default=sample_audits.default_size(population),
        eligible=sample_audits.eligible_count(petition),
        audits=[(a, sample_audits.of_audit(a.id)) for a in sample_audits.audits_of(petition)],
        percent=percent,
    ), status


@bp.get("/petitions/<slug>/audit")
@login_required
def sample_audit_page(slug):
    return _page(access.organizer_petition_or_404(slug), SampleAuditForm(formdata=None))


@bp.post("/petitions/<slug>/audit")
@login_required
def sample_audit_start(slug):
    petition = access.organizer_petition_or_404(slug)
    form = SampleAuditForm()
    if not form.validate_on_submit():
        return _page(petition, form, 400)
    try:
        found = sample_audits.start(petition, form.size.data, current_user)
    except sample_audits.AuditError as exc:
        flash(ERRORS[exc.reason](), "error")
        return _page(petition, form, 409)
    drawn = sample_audits.of_audit(found.id).drawn
    flash(
        ngettext(
            "Audit lancé : %(num)s signataire tiré au sort va recevoir la question.",
            "Audit lancé : %(num)s signataires tirés au sort vont recevoir la question.",
            drawn,
        ),
        "info",
    )
    return redirect(url_for(".sample_audit_page", slug=slug), 303)


@bp.post("/petitions/<slug>/audit/<int:audit_id>/close")
@login_required
def sample_audit_close(slug, audit_id):
    petition = access.organizer_petition_or_404(slug)
    found = sample_audits.get(petition, audit_id)
    if found is None:
        abort(404)
    if not CloseAuditForm().validate_on_submit():
        flash(_("La page a expiré : recommencez."), "error")
    elif sample_audits.close(found, current_user):
        flash(_("Audit clos : les réponses ne sont plus enregistrées."), "info")
    else:
        flash(_("Cet audit est déjà clos."), "error")
    return redirect(url_for(".sample_audit_page", slug=slug), 303)


def dashboard_panel(petition):
    """What the dashboard shows of the audits: the latest one and its progress."""
    latest = sample_audits.audits_of(petition)[:1]
    return {
        "sample_audit": [(a, sample_audits.of_audit(a.id)) for a in latest],
        "percent": percent,
    }
