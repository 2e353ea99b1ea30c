"""Moderation: a rule is previewed (how many, which), then confirmed on a
second screen where the reason is typed, then applied; restore; one by one too.

The apply step refuses a request that did not come from the confirmation
screen (no `expected` count) or whose count changed since (new signatures
matched): it shows the confirmation screen again, with the new figure."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...forms.organizer import ConfirmRuleForm, ReasonForm, RuleForm, SearchForm
from ...numbers import ngettext
from ...services import access, moderation, organisation_checks
from ...sirene import display as register_display
from .area import bp


def invalidated(rows):
    return ngettext("%(num)s signature invalidée.", "%(num)s signatures invalidées.", rows)


def _rule(form):
    return moderation.Rule(
        domain=form.domain.data or "",
        ip_hash=form.ip_hash.data or "",
        since=form.since.value,
        until=form.until.value,
        name_pattern=form.name_pattern.data or "",
    )


def _page(petition, form, status=200, preview=None, error=None, sample=()):
    search = SearchForm(request.args)
    found = None
    if search.validate() and (search.q.data or search.registre.data):
        found = moderation.search(petition, search.q.data, register_status=search.registre.data)
    return render_template(
        "organizer/moderation.html",
        petition=petition,
        form=form,
        preview=preview,
        sample=sample,
        error=error,
        search=search,
        found=found,
        checks=organisation_checks.checks_of(s.id for s in found or ()),
        register_display=register_display,
        history=moderation.history(petition),
        reason_form=ReasonForm(),
    ), status


@bp.get("/petitions/<slug>/moderation")
@login_required
def moderation_page(slug):
    return _page(access.organizer_petition_or_404(slug), RuleForm())


@bp.post("/petitions/<slug>/moderation/preview")
@login_required
def moderation_preview(slug):
    petition = access.organizer_petition_or_404(slug)
    form = RuleForm()
    if not form.validate_on_submit():
        return _page(petition, form, 400)
    try:
        counts = moderation.preview(petition, _rule(form))
        sample = moderation.sample(petition, _rule(form))
    except moderation.ModerationError as exc:
        return _page(petition, form, 400, error=str(exc))
    return _page(petition, form, preview=counts, sample=sample)


def _confirm_page(petition, form, counts, status=200, error=None):
    return render_template(
        "organizer/moderation_confirm.html",
        petition=petition,
        form=form,
        counts=counts,
        total=counts["verified"] + counts["pending"],
        error=error,
    ), status


def _rule_valid(form):
    """Validate the confirmation form; True if the rule itself (and the CSRF
    token) is sound, whatever the reason and count say."""
    form.validate_on_submit()
    if any(f.errors for f in form if f.name not in ("reason", "expected")):
        form.reason.errors, form.expected.errors = [], []  # the page shows the rule only
        return False
    return True


@bp.post("/petitions/<slug>/moderation/confirm")
@login_required
def moderation_confirm(slug):
    """The second screen: the count again, and the reason to type."""
    petition = access.organizer_petition_or_404(slug)
    form = ConfirmRuleForm()
    if not _rule_valid(form):
        return _page(petition, form, 400)
    try:
        counts = moderation.preview(petition, _rule(form))
    except moderation.ModerationError as exc:
        return _page(petition, form, 400, error=str(exc))
    form.reason.data, form.reason.errors = "", []
    return _confirm_page(petition, form, counts)


@bp.post("/petitions/<slug>/moderation/apply")
@login_required
def moderation_apply(slug):
    petition = access.organizer_petition_or_404(slug)
    form = ConfirmRuleForm()
    if not _rule_valid(form):
        return _page(petition, form, 400)
    try:
        counts = moderation.preview(petition, _rule(form))
    except moderation.ModerationError as exc:
        return _page(petition, form, 400, error=str(exc))
    total = counts["verified"] + counts["pending"]
    if form.expected.data is None:
        message = _("Confirmez l’invalidation sur cet écran.")
        return _confirm_page(petition, form, counts, 400, message)
    if form.expected.data != total:
        message = _("Le nombre de signatures concernées a changé : vérifiez-le et confirmez.")
        return _confirm_page(petition, form, counts, 409, message)
    if form.reason.errors:
        return _confirm_page(petition, form, counts, 400)
    try:
        action = moderation.invalidate(petition, _rule(form), form.reason.data, current_user)
    except moderation.ModerationError as exc:
        return _confirm_page(petition, form, counts, 400, str(exc))
    flash(invalidated(action.rows), "info")
    return redirect(url_for(".moderation_page", slug=slug), 303)


@bp.post("/petitions/<slug>/moderation/<int:action_id>/restore")
@login_required
def moderation_restore(slug, action_id):
    petition = access.organizer_petition_or_404(slug)
    return _restore(petition, action_id, None)


@bp.post("/petitions/<slug>/signatures/<int:signature_id>/invalidate")
@login_required
def signature_invalidate(slug, signature_id):
    petition = access.organizer_petition_or_404(slug)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Indiquez la raison."), "error")
        return redirect(url_for(".moderation_page", slug=slug), 303)
    try:
        action = moderation.invalidate(
            petition, moderation.Rule(signature_id=signature_id), form.reason.data, current_user
        )
    except moderation.ModerationError as exc:
        flash(str(exc), "error")
    else:
        flash(invalidated(action.rows), "info")
    return redirect(url_for(".moderation_page", slug=slug), 303)


@bp.post("/petitions/<slug>/signatures/<int:signature_id>/restore")
@login_required
def signature_restore(slug, signature_id):
    petition = access.organizer_petition_or_404(slug)
    action_id = moderation.latest_invalidation(petition, signature_id)
    return _restore(petition, action_id, signature_id)


def _restore(petition, action_id, signature_id):
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Indiquez la raison."), "error")
        return redirect(url_for(".moderation_page", slug=petition.slug), 303)
    try:
        action = moderation.restore(
            petition, action_id, form.reason.data, current_user, signature_id=signature_id
        )
    except moderation.ModerationError as exc:
        flash(str(exc), "error")
    else:
        flash(
            ngettext(
                "%(num)s signature rétablie.",
                "%(num)s signatures rétablies.",
                action.rows,
            ),
            "info",
        )
    return redirect(url_for(".moderation_page", slug=petition.slug), 303)
