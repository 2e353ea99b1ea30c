"""The public side: petitions, the sign form, confirmation, withdrawal."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import tokens
from ..forms.public import SIGNER_FIELDS, SignForm
from ..markdown import render as render_markdown
from ..services import accessibility, inbox, news, overview, petitions, signing, withdrawal

bp = Blueprint("public", __name__)


@bp.app_context_processor
def accessibility_helpers():
    """Every footer says the conformity status and links to the statement."""
    return {"accessibility_status": accessibility.conformity}


def _petition_or_404(slug):
    petition = petitions.get_public(slug)
    if petition is None:
        abort(404)
    return petition


@bp.get("/")
def index():
    """The national overview: sorted and searched by the URL (`?tri=`, `?q=`)."""
    view = overview.overview(request.args.get("tri"), request.args.get("q"))
    return render_template("index.html", view=view)


@bp.route("/p/<slug>", methods=["GET", "POST"])
def petition(slug):
    petition = _petition_or_404(slug)
    form = SignForm(petition)
    if request.method == "POST":
        if not petition.is_open():
            return _page(petition, form, closed_attempt=True), 400
        if form.validate_on_submit():
            # Made before signing: its Redis SET goes with the email's enqueue.
            memo = inbox.Memo(petition, form.email.data)
            written = False
            if not form.website.data:  # honeypot filled: a bot; show the same page
                written = signing.sign(
                    petition,
                    _clean(form),
                    ip=request.remote_addr,
                    locale=str(get_locale()),
                    also=memo.add,
                ).queued
            session["inbox"] = memo.kept(written) | {"outside": not form.placement.local}
            return redirect(url_for(".check_inbox", slug=slug))
        return _page(petition, form), 400
    return _page(petition, form)


def _clean(form):
    data = {name: form[name].data for name in (*SIGNER_FIELDS, "public", "news")}
    placement = form.placement
    data["commune"] = placement.commune.name
    data["insee"] = placement.commune.code
    data["local"] = placement.local
    return data


def _page(petition, form, closed_attempt=False):
    return render_template(
        "petition.html",
        petition=petition,
        form=form,
        description=render_markdown(petition.description),
        closed_attempt=closed_attempt,
        updates=[(u, render_markdown(u.body)) for u in news.published(petition)],
    )


@bp.get("/p/<slug>/merci")
def check_inbox(slug):
    return render_template(
        "check_inbox.html",
        petition=_petition_or_404(slug),
        sent=_sent(slug),
        cap=current_app.config["MAX_EMAILS_PER_SIGNATURE"],
    )


@bp.post("/p/<slug>/merci", endpoint="resend")
def resend(slug):
    petition = _petition_or_404(slug)
    inbox.resend(petition, (_sent(slug) or {}).get("key"))
    flash(
        _(
            "C’est fait : si cette adresse peut encore recevoir un e-mail pour cette "
            "pétition, il arrivera d’ici quelques minutes."
        )
    )
    return redirect(url_for(".check_inbox", slug=slug), 303)


def _sent(slug):
    """What the session remembers of the last signature sent on this petition."""
    sent = session.get("inbox")
    return sent if isinstance(sent, dict) and sent.get("slug") == slug else None


@bp.get("/accessibility", endpoint="accessibility")
@bp.get("/accessibilite", endpoint="accessibility")  # the first one is what url_for builds
def accessibility_statement():
    return render_template("accessibility.html", statement=accessibility.statement())


@bp.get("/p/<slug>/confidentialite")
def privacy(slug):
    return render_template("privacy.html", petition=_petition_or_404(slug))


@bp.get("/confirm/<token>")
def confirm(token):
    found = signing.inspect(token)
    return render_template("confirm.html", found=found), _status(found.outcome)


@bp.post("/confirm/<token>")
def confirm_post(token):
    found = signing.confirm(token)
    return render_template("confirm.html", found=found), _status(found.outcome)


@bp.get("/withdraw/<token>")
def withdraw(token):
    found = withdrawal.inspect(token)
    return render_template("withdraw.html", found=found), _status(found.outcome)


@bp.post("/withdraw/<token>")
def withdraw_post(token):
    found = withdrawal.withdraw(token)
    return render_template("withdraw.html", found=found), _status(found.outcome)


#: Outcomes of a confirm or withdraw link answered with 400: a refused token
#: (tokens.TokenReason), or a petition that takes no signature now.
REFUSED = frozenset({*tokens.TokenReason, signing.ConfirmOutcome.CLOSED})


def _status(outcome):
    return 400 if outcome in REFUSED else 200
