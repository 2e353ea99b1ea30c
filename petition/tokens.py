"""Signed, expiring tokens: one salt per purpose, so a token made for one
purpose (confirm a signature) is never accepted for another (withdraw it)."""

from enum import StrEnum

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

#: purpose -> salt. A new purpose gets a new salt, never a shared one.
SALTS = {
    "confirm": "petition.signature.confirm.v1",
    "withdraw": "petition.signature.withdraw.v1",
    "invite": "petition.organizer.invite.v1",
    "reset": "petition.organizer.reset.v1",
    "signin": "petition.organizer.signin.v1",
    "grant": "petition.organizer.grant.v1",
    "event": "petition.event.window.v1",
    "unsubscribe": "petition.signature.unsubscribe.v1",
    "sample": "petition.audit.sample.v1",
    "publish": "petition.organisation.publish.v1",
}

#: purpose -> config key holding its max age in seconds.
MAX_AGE_KEYS = {
    "confirm": "CONFIRM_TOKEN_MAX_AGE",
    "withdraw": "WITHDRAW_TOKEN_MAX_AGE",
    "invite": "INVITE_TOKEN_MAX_AGE",
    "reset": "RESET_TOKEN_MAX_AGE",
    "signin": "SIGNIN_TOKEN_MAX_AGE",
    "grant": "GRANT_TOKEN_MAX_AGE",
    "event": "EVENT_TOKEN_MAX_AGE",
    "unsubscribe": "UNSUBSCRIBE_TOKEN_MAX_AGE",
    "sample": "SAMPLE_TOKEN_MAX_AGE",
    "publish": "PUBLISH_TOKEN_MAX_AGE",
}
DEFAULT_MAX_AGE = {
    "confirm": 30 * 86400,
    # None: no age limit of its own. A withdrawal link works as long as the
    # signature's personal data exist (an open petition may run for years),
    # and says "already erased" once retention or a purge removed them
    # (services/withdrawal.py): the petition's retention bounds it.
    "withdraw": None,
    "invite": 7 * 86400,
    "reset": 3600,
    "signin": 900,
    "grant": 7 * 86400,
    "event": 7 * 86400,  # the window's own end bounds it too
    # As "withdraw": a news email may be read long after it was sent; the
    # signature's nonce and its erasure bound it.
    "unsubscribe": None,
    # A sample audit's question: answered within weeks, or counted as no answer.
    "sample": 60 * 86400,
    # As "withdraw": bound to the signature's nonce; erasure or withdrawal ends it.
    "publish": None,
}


#: Row ids are `Integer` primary keys: 32 bits on PostgreSQL. A payload naming
#: anything else is refused before any query (a bigger number made SQLite raise
#: OverflowError and PostgreSQL DataError: a 500).
MAX_ROW_ID = 2**31 - 1


class TokenReason(StrEnum):
    """Why a link's token is refused; each service's outcomes include these."""

    EXPIRED = "expired"
    INVALID = "invalid"  # tampered with, made for another purpose, or no usable payload
    OUTDATED = "outdated"  # made before links carried what they carry now (services decide)


class TokenError(Exception):
    """The token is tampered with, expired, or made for another purpose."""

    def __init__(self, reason, payload=None):
        super().__init__(reason)
        self.reason = TokenReason(reason)
        # Only for EXPIRED: the signature was good, so the payload is ours
        # and the page can point back to the right petition. Never acted upon.
        self.payload = payload


def signing_keys():
    """SECRET_KEY_FALLBACKS then SECRET_KEY: itsdangerous signs with the last
    and accepts any, so links made before a key rotation stay valid."""
    config = current_app.config
    return [*config.get("SECRET_KEY_FALLBACKS", ()), config["SECRET_KEY"]]


def _serializer(purpose):
    return URLSafeTimedSerializer(signing_keys(), salt=SALTS[purpose])


def make(purpose, payload):
    return _serializer(purpose).dumps(payload)


def read(purpose, token):
    """Return the payload, or raise TokenError(EXPIRED | INVALID)."""
    max_age = current_app.config.get(MAX_AGE_KEYS[purpose], DEFAULT_MAX_AGE[purpose])
    serializer = _serializer(purpose)
    try:
        return serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        # A BadData whose signature was good: say "expired", keep the payload.
        try:
            payload = serializer.load_payload(exc.payload)
        except BadData:
            payload = None
        raise TokenError(TokenReason.EXPIRED, payload) from None
    except BadData:
        raise TokenError(TokenReason.INVALID) from None


def row_id(payload, key):
    """The row id `payload[key]` names, or TokenError(INVALID).

    Only a positive int in the column's range: not a bool, a float, a string
    of digits or a number the database cannot hold. Every token reader takes
    its ids through here.
    """
    value = payload.get(key) if isinstance(payload, dict) else None
    if type(value) is not int or not 0 < value <= MAX_ROW_ID:
        raise TokenError(TokenReason.INVALID)
    return value


def text(payload, key, max_length=64):
    """The short string `payload[key]`, or TokenError(INVALID)."""
    value = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        raise TokenError(TokenReason.INVALID)
    return value
