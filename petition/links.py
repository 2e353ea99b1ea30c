"""What each emailed link carries, made in one place.

One maker per purpose (tokens.SALTS). The payload names the row the link acts
on and what binds the link to that row as it is now: the signature's nonce,
the account's password fingerprint and last login, the offer's nonce. Jobs
put these links in emails at send time; the services that read them back
check the same fields (signing.linked_signature, organizers.inspect_link,
signin.inspect_link, grants.inspect). Both take them from here, below both,
so neither imports the other to build a link.
"""

from datetime import UTC

from . import tokens
from .urls import external_url


def link_payload(signature):
    """What a confirm or withdraw link carries: the row's id and its nonce, so
    the link never acts on a later row that got the same id (SQLite reuses
    the id of a deleted row)."""
    return {"s": signature.id, "n": signature.token_nonce}


def confirm_token(signature):
    return tokens.make("confirm", link_payload(signature))


def withdraw_token(signature):
    return tokens.make("withdraw", link_payload(signature))


def withdraw_url(signature):
    return external_url("public.withdraw", token=withdraw_token(signature))


def unsubscribe_url(signature, update_id):
    """The one-click unsubscribe link of a news email (RFC 8058): bound to the
    signature's nonce like the other signer links, and naming the update so
    its progress counts who left through it."""
    payload = {**link_payload(signature), "u": update_id}
    return external_url("news.unsubscribe", token=tokens.make("unsubscribe", payload))


def sample_url(sample):
    """The link of a sample audit's question: bound to the sample row (its id
    and its own nonce), never to the signature, so it answers this audit only."""
    token = tokens.make("sample", {"a": sample.id, "n": sample.nonce})
    return external_url("sample.answer_page", token=token)


def publish_url(signature):
    """The link a signer follows to publish their organisation in the panorama."""
    return external_url("panorama.publish", token=tokens.make("publish", link_payload(signature)))


def organizer_token(purpose, organizer):
    """An invitation ("invite") or reset ("reset") link: setting a password
    changes the fingerprint, so each link works once."""
    return tokens.make(purpose, {"o": organizer.id, "f": organizer.fingerprint()})


def login_stamp(when):
    """The last login time as a sign-in link carries it (SQLite gives it back naive)."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat()


def signin_token(organizer):
    """The one-time sign-in link: any login spends it (services/signin.py)."""
    return tokens.make(
        "signin",
        {
            "o": organizer.id,
            "f": organizer.fingerprint(),
            "l": login_stamp(organizer.last_login_at),
        },
    )


def grant_token(grant):
    """The link of a petition offered to an existing account (services/grants.py)."""
    return tokens.make("grant", {"g": grant.id, "n": grant.nonce})
