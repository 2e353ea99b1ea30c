"""The organizer's protection panel, under /organizer/petitions/<slug>/: event
windows (open, close, QR link); a burst's trend links to the moderation
preview of its last hour (invalidation needs its confirmation screen). The panel
itself (`organizer/_abuse_panel.html`) is included by the dashboard too,
through the `abuse_panel(petition)` template global this blueprint sets.

Its own blueprint, "abuse", so its endpoints (`abuse.panel`, …) and URLs stay
what they were when it lived in views/abuse.py."""

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ...forms.abuse import ActionForm, EventWindowForm
from ...forms.organizer import local_input
from ...models import Signature, utcnow
from ...services import abuse
from ...services.access import organizer_petition_or_404

bp = Blueprint("abuse", __name__, url_prefix="/organizer/petitions/<slug>")


@bp.record_once
def _register_panel(state):
    state.app.jinja_env.globals["abuse_panel"] = panel_context


def _petition(slug):
    return organizer_petition_or_404(slug)


def panel_context(petition):
    """What the panel shows; called from the template (`abuse_panel(petition)`)."""
    return {
        "flagged": abuse.flagged(petition),
        "ips": abuse.trending(petition, Signature.ip_hash),
        "domains": abuse.trending(petition, Signature.email_domain),
        "failures": abuse.mail_failures(petition),
        "windows": abuse.windows(petition),
        "now": utcnow(),
        "window_form": EventWindowForm(),
        "action_form": ActionForm(),
        # The trend buttons open the moderation preview of the last hour.
        "hour_ago": local_input(utcnow() - timedelta(hours=1)),
        "event_link": abuse.event_link,
    }


@bp.get("/protection")
@login_required
def panel(slug):
    return render_template("organizer/protection.html", petition=_petition(slug))


@bp.post("/event-windows")
@login_required
def open_window(slug):
    petition = _petition(slug)
    form = EventWindowForm()
    if not form.validate_on_submit():
        return render_template(
            "organizer/protection.html", petition=petition, window_form=form
        ), 400
    ip = {"here": request.remote_addr, "ip": form.ip.data, "link": None}[form.scope.data]
    if form.scope.data == "ip" and not ip:
        form.ip.errors.append(_("Indiquez l’adresse IP."))
        return render_template(
            "organizer/protection.html", petition=petition, window_form=form
        ), 400
    try:
        abuse.open_window(petition, form.hours.data, form.label.data, ip=ip)
    except abuse.EventWindowError as exc:
        form.hours.errors.append(str(exc))
        return render_template(
            "organizer/protection.html", petition=petition, window_form=form
        ), 400
    flash(_("Fenêtre d’événement ouverte."), "success")
    return redirect(url_for(".panel", slug=slug))


@bp.post("/event-windows/<int:window_id>/close")
@login_required
def close_window(slug, window_id):
    petition = _petition(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    abuse.close_window(petition, window_id)
    flash(_("Fenêtre d’événement fermée."), "success")
    return redirect(url_for(".panel", slug=slug))


@bp.get("/event-windows/<int:window_id>/qr.svg")
@login_required
def window_qr(slug, window_id):
    import segno

    petition = _petition(slug)
    window = abuse.window_of(petition, window_id)
    if window is None:
        abort(404)
    svg = segno.make(abuse.event_link(window), error="m").svg_inline(scale=6)
    return Response(svg, mimetype="image/svg+xml")


@bp.post("/abuse/clear-flags")
@login_required
def clear_flags(slug):
    petition = _petition(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    abuse.clear_flags(petition)
    flash(_("Signalements levés."), "success")
    return redirect(url_for(".panel", slug=slug))
