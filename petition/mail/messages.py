"""One function per email. Each renders templates/email/<name>.txt and .html
in the recipient's language and returns a flask_mail.Message; jobs send them."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from ..links import confirm_token, withdraw_url
from ..urls import external_url


def _message(signature, name, subject, **context):
    context.update(signature=signature, petition=signature.petition)
    with force_locale(signature.locale or "fr"):
        context["petition_url"] = external_url("public.petition", slug=signature.petition.slug)
        context["privacy_url"] = external_url("public.privacy", slug=signature.petition.slug)
        context["withdraw_url"] = withdraw_url(signature)
        return Message(
            subject=subject(),
            recipients=[signature.email],
            body=render_template(f"email/{name}.txt", **context),
            html=render_template(f"email/{name}.html", **context),
        )


def confirmation(signature):
    return _message(
        signature,
        "confirmation",
        lambda: _("Confirmez votre signature : %(title)s", title=signature.petition.title),
        confirm_url=external_url("public.confirm", token=confirm_token(signature)),
    )


def already_signed(signature):
    return _message(
        signature,
        "already_signed",
        lambda: _("Vous avez déjà signé : %(title)s", title=signature.petition.title),
    )


def to_organizer(organizer, name, subject, context):
    """An email to an organizer account (in French: the area is French first);
    `subject` is called once the locale is set."""
    context["organizer"] = organizer
    with force_locale("fr"):
        return Message(
            subject=subject(),
            recipients=[organizer.email],
            body=render_template(f"email/{name}.txt", **context),
            html=render_template(f"email/{name}.html", **context),
        )
