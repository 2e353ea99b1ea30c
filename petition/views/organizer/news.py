"""News to signers: write an update (preview, draft), send a test to
yourself, send it to the signers who opted in, follow or cancel the sending."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ...forms.news import ActionForm, UpdateForm
from ...jobs import news as news_jobs
from ...markdown import render as render_markdown
from ...models import MAX_ID
from ...numbers import ngettext
from ...services import access, news
from .area import bp

STATE_LABELS = {
    "draft": _l("Brouillon"),
    "sending": _l("En cours d’envoi"),
    "sent": _l("Envoyée"),
    "cancelled": _l("Annulée"),
}


def _update_or_404(petition, update_id):
    found = news.get(petition, update_id) if update_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _list(petition, form, status=200, preview=None):
    updates = news.updates_of(petition)
    return render_template(
        "organizer/news.html",
        petition=petition,
        form=form,
        preview=preview,
        updates=[(u, news.progress(u.id)) for u in updates],
        subscribers=news.subscribers(petition),
        labels=STATE_LABELS,
    ), status


def _one(petition, found, form, status=200, preview=None):
    return render_template(
        "organizer/news_update.html",
        petition=petition,
        update=found,
        form=form,
        action_form=ActionForm(),
        preview=preview if preview is not None else render_markdown(found.body),
        progress=news.progress(found.id),
        subscribers=news.subscribers(petition),
        labels=STATE_LABELS,
    ), status


@bp.get("/petitions/<slug>/news")
@login_required
def news_list(slug):
    return _list(access.organizer_petition_or_404(slug), UpdateForm())


@bp.post("/petitions/<slug>/news")
@login_required
def news_write(slug):
    petition = access.organizer_petition_or_404(slug)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _list(petition, form, 400)
    if form.preview.data:
        return _list(petition, form, preview=render_markdown(form.body.data))
    found = news.write(petition, form.title.data, form.body.data, current_user)
    flash(_("Brouillon enregistré."), "info")
    return redirect(url_for(".news_update", slug=slug, update_id=found.id), 303)


@bp.get("/petitions/<slug>/news/<int:update_id>")
@login_required
def news_update(slug, update_id):
    petition = access.organizer_petition_or_404(slug)
    found = _update_or_404(petition, update_id)
    return _one(petition, found, UpdateForm(obj=found))


@bp.post("/petitions/<slug>/news/<int:update_id>")
@login_required
def news_edit(slug, update_id):
    petition = access.organizer_petition_or_404(slug)
    found = _update_or_404(petition, update_id)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _one(petition, found, form, 400)
    if form.preview.data:
        return _one(petition, found, form, preview=render_markdown(form.body.data))
    try:
        news.write(petition, form.title.data, form.body.data, current_user, found.id)
    except news.NewsError:
        flash(_("Cette nouvelle est déjà envoyée : elle ne peut plus être modifiée."), "error")
    else:
        flash(_("Brouillon enregistré."), "info")
    return redirect(url_for(".news_update", slug=slug, update_id=update_id), 303)


def _action(slug, update_id):
    petition = access.organizer_petition_or_404(slug)
    found = _update_or_404(petition, update_id)
    if not ActionForm().validate_on_submit():
        flash(_("La page a expiré : recommencez."), "error")
        return petition, None
    return petition, found


def _back(slug, update_id):
    return redirect(url_for(".news_update", slug=slug, update_id=update_id), 303)


@bp.post("/petitions/<slug>/news/<int:update_id>/test")
@login_required
def news_test(slug, update_id):
    _petition, found = _action(slug, update_id)
    if found is not None:
        if news_jobs.enqueue_test(found, current_user):
            flash(_("E-mail de test envoyé à %(email)s.", email=current_user.email), "info")
        else:
            flash(_("L’envoi est indisponible pour l’instant : réessayez plus tard."), "error")
    return _back(slug, update_id)


@bp.post("/petitions/<slug>/news/<int:update_id>/send")
@login_required
def news_send(slug, update_id):
    _petition, found = _action(slug, update_id)
    if found is not None:
        try:
            count = news.start(found)
        except news.NewsError:
            flash(_("Cette nouvelle a déjà été envoyée."), "error")
        else:
            flash(
                ngettext(
                    "Envoi commencé : %(num)s signataire la recevra.",
                    "Envoi commencé : %(num)s signataires la recevront.",
                    count,
                ),
                "info",
            )
    return _back(slug, update_id)


@bp.post("/petitions/<slug>/news/<int:update_id>/cancel")
@login_required
def news_cancel(slug, update_id):
    _petition, found = _action(slug, update_id)
    if found is not None:
        if news.cancel(found):
            flash(_("Envoi annulé : les e-mails restants ne partiront pas."), "info")
        else:
            flash(_("Cet envoi n’est plus en cours : rien à annuler."), "error")
    return _back(slug, update_id)


def dashboard_panel(petition):
    """What the dashboard shows of the news: the latest updates and their progress."""
    return {
        "news_updates": [(u, news.progress(u.id)) for u in news.updates_of(petition)[:3]],
        "news_labels": STATE_LABELS,
    }
