"""Development only: the mail the local SMTP sink received, so a newcomer can
click the confirmation link. Registered only when DEV_MAIL_DIR is set and
APP_ENV is not production."""

import mailbox
import re
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

from flask import Blueprint, abort, current_app, render_template
from markupsafe import Markup, escape

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")

LINK = re.compile(r"(https?://[^\s<>\"]+)")


def _box():
    return mailbox.Maildir(current_app.config["DEV_MAIL_DIR"], create=True)


def _header(message, name):
    value = message.get(name, "")
    return str(make_header(decode_header(value))) if value else ""


def _text(message):
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def _linkify(text):
    return Markup(LINK.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', str(escape(text))))


def _summary(key, message):
    date = message.get("Date")
    return {
        "key": key,
        "subject": _header(message, "Subject"),
        "to": _header(message, "To"),
        "date": parsedate_to_datetime(date) if date else None,
    }


@bp.get("/")
def inbox():
    box = _box()
    messages = sorted(
        (_summary(k, m) for k, m in box.items()),
        key=lambda m: m["date"].timestamp() if m["date"] else 0,
        reverse=True,
    )
    return render_template("devmail/inbox.html", messages=messages)


@bp.get("/<key>")
def show(key):
    box = _box()
    try:
        message = box[key]
    except KeyError:
        abort(404)
    return render_template(
        "devmail/show.html",
        message=_summary(key, message),
        body=_linkify(_text(message)),
        # News emails: what a mail client's one-click unsubscribe button would POST to.
        list_unsubscribe=message.get("List-Unsubscribe"),
        list_unsubscribe_post=message.get("List-Unsubscribe-Post"),
    )
