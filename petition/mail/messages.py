"""One function per email. Each renders templates/email/<name>.txt and .html
in the recipient's language and returns a flask_mail.Message (mime.Message: the
same bytes, serialised faster); jobs send them."""

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..links import confirm_token, publish_url, sample_url, unsubscribe_url, withdraw_url
from ..markdown import render as render_markdown
from ..urls import external_url
from .mime import Message


def _message(signature, name, subject, extra_headers=None, **context):
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
            extra_headers=extra_headers,
        )


def confirmation(signature):
    return _message(
        signature,
        "confirmation",
        lambda: _("Confirmez votre signature : %(title)s", title=signature.petition.title),
        confirm_url=external_url("public.confirm", token=confirm_token(signature)),
    )


def publish_invite(signature, organisation):
    """The offer to present the signer's organisation in the panorama (issue 18)."""
    return _message(
        signature,
        "publish_invite",
        lambda: _("Présentez %(name)s dans le panorama", name=organisation),
        organisation=organisation,
        publish_url=publish_url(signature),
    )


def already_signed(signature):
    return _message(
        signature,
        "already_signed",
        lambda: _("Vous avez déjà signé : %(title)s", title=signature.petition.title),
    )


def news_update(signature, update):
    """An update to a signer who opted in, with the one-click unsubscribe of
    RFC 8058: an https URL the mail client POSTs to, without login or form."""
    unsubscribe = unsubscribe_url(signature, update.id)
    targets = [f"<{unsubscribe}>"]
    mailto = current_app.config.get("NEWS_UNSUBSCRIBE_MAILTO")
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe%20{signature.id}>")
    return _message(
        signature,
        "news_update",
        lambda: _("Nouvelles : %(title)s", title=update.title),
        extra_headers={
            "List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        update=update,
        body_html=render_markdown(update.body),
        unsubscribe_url=unsubscribe,
    )


def sample_question(signature, sample):
    """A sample audit's question: did you sign? One link to a page with two buttons."""
    return _message(
        signature,
        "sample_question",
        lambda: _("Avez-vous signé : %(title)s ?", title=signature.petition.title),
        answer_url=sample_url(sample),
    )


def news_test(organizer, update):
    """The update as a signer will get it, to the organizer who asked (French,
    the area's language); its links lead to the petition page."""
    petition_url = external_url("public.petition", slug=update.petition.slug)
    return to_organizer(
        organizer,
        "news_update",
        lambda: _("[Test] Nouvelles : %(title)s", title=update.title),
        {
            "signature": None,
            "petition": update.petition,
            "update": update,
            "body_html": render_markdown(update.body),
            "petition_url": petition_url,
            "privacy_url": external_url("public.privacy", slug=update.petition.slug),
            "withdraw_url": petition_url,
            "unsubscribe_url": petition_url,
            "test": True,
        },
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
