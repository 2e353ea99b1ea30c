"""Login (limited per client address, guarded per account: services/signin.py),
the emailed sign-in link, logout, password reset, invitation."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...extensions import limiter
from ...forms.organizer import EmailForm, LoginForm, PasswordForm
from ...services import organizers, signin
from .area import bp


def safe_next(target):
    """Only a path of this site's organizer area: never another host."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/organizer/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(".index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = signin.attempt(form.email.data, form.password.data)
        if result.organizer is not None:
            login_user(result.organizer, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(".index"))
        if result.guarded:  # the same page whether the password was right or not
            return render_template("organizer/signin_sent.html", minutes=_link_minutes())
        form.password.errors.append(_("Adresse ou mot de passe incorrect."))
    status = 400 if request.method == "POST" else 200
    return render_template("organizer/login.html", form=form), status


def _link_minutes():
    return max(1, current_app.config["SIGNIN_TOKEN_MAX_AGE"] // 60)


@bp.route("/signin/<token>", methods=["GET", "POST"])
def signin_link(token):
    """A page with a button, so that a mail scanner opening the link logs nobody in."""
    found = (signin.sign_in if request.method == "POST" else signin.inspect_link)(token)
    if found.outcome != organizers.LinkOutcome.READY:
        return render_template(
            "organizer/link_error.html", outcome=found.outcome, purpose="signin"
        ), 400
    if request.method == "GET":
        return render_template("organizer/signin.html", organizer=found.organizer)
    logout_user()
    login_user(found.organizer)
    return redirect(url_for(".index"))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for(".login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        organizers.request_reset(form.email.data)
        return render_template("organizer/reset_sent.html")
    return render_template("organizer/forgot.html", form=form), (
        400 if request.method == "POST" else 200
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    return _set_password("reset", token)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invite(token):
    return _set_password("invite", token)


def _set_password(purpose, token):
    found = organizers.inspect_link(purpose, token)
    if found.outcome != organizers.LinkOutcome.READY:
        return render_template(
            "organizer/link_error.html", outcome=found.outcome, purpose=purpose
        ), 400
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            done = organizers.set_password(purpose, token, form.password.data)
        except organizers.OrganizerError as exc:
            form.password.errors.append(str(exc))
        else:
            logout_user()
            login_user(done.organizer)
            flash(_("Votre mot de passe est enregistré."), "info")
            return redirect(url_for(".index"))
    return render_template(
        "organizer/set_password.html", form=form, purpose=purpose, organizer=found.organizer
    ), (400 if request.method == "POST" else 200)
