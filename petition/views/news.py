"""The signer's side of news: the one-click unsubscribe link (RFC 8058).

GET shows a page with a button (mail scanners open links); POST
unsubscribes. The POST needs no login and no CSRF token: a mail client
sends it on its own (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`),
and the signed token, bound to the signature's nonce, is the authority. It
can only ever turn news off."""

from flask import Blueprint, render_template

from ..extensions import csrf
from ..services import news

bp = Blueprint("news", __name__)


def _page(found):
    refused = found.outcome in (
        news.UnsubscribeOutcome.INVALID,
        news.UnsubscribeOutcome.OUTDATED,
        news.UnsubscribeOutcome.EXPIRED,
    )
    return render_template("unsubscribe.html", found=found), 400 if refused else 200


@bp.get("/unsubscribe/<token>")
def unsubscribe(token):
    return _page(news.inspect_unsubscribe(token))


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_post(token):
    return _page(news.unsubscribe(token))
