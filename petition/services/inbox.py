"""The "check your inbox" page after signing: which address the email went
to (masked, `j•••@gmail.com`) and a button that sends it again.

Sending again is signing again with the same address (signing.email_again):
the right email for the row as it is now, under the same cap
(MAX_EMAILS_PER_SIGNATURE), and nothing said about whether the address had
signed before. The address itself never reaches the browser: the session
holds the masked form and a random key, and the canonical address waits in
Redis under that key for RESEND_TTL seconds. Redis down: no resend button,
the page still says to sign again.
"""

import json
import logging
import secrets

from redis.exceptions import RedisError

from .. import jobs
from ..addresses import canonical_email
from ..models import Petition
from . import signing

log = logging.getLogger(__name__)

RESEND_TTL = 3600
MASK = "•••"


def mask(email: str) -> str:
    """`jean.dupont@gmail.com` -> `j•••@gmail.com`: enough to spot a typo."""
    local, _at, domain = (email or "").strip().rpartition("@")
    return f"{local[:1]}{MASK}@{domain}" if local else MASK


def _key(key):
    return f"inbox:{key}"


class Memo:
    """What the session keeps for the inbox page, prepared before signing so
    that its Redis SET can go with the email's enqueue (`add`, passed as
    signing.sign's `also`): one round trip for both."""

    def __init__(self, petition: Petition, email: str):
        self.key = secrets.token_urlsafe(18)
        self.record = json.dumps({"p": petition.id, "e": canonical_email(email)})
        self.slug = petition.slug
        self.to = mask(email)

    def add(self, pipe) -> int:
        pipe.set(_key(self.key), self.record, ex=RESEND_TTL)
        return 1

    def kept(self, written: bool = False) -> dict[str, str | None]:
        """The session's value; `written`: `add`'s SET went through already
        (else it is made now). The key is None when Redis is down."""
        key = self.key
        if not written:
            try:
                jobs.redis().set(_key(key), self.record, ex=RESEND_TTL)
            except RedisError:
                log.warning("Redis unavailable: no resend button for this signature")
                key = None
        return {"slug": self.slug, "to": self.to, "key": key}


def resend(petition: Petition, key: str | None) -> None:
    """Send the email of `key`'s signature again, as signing again would.

    Says nothing back: an unknown, expired or foreign key, a closed petition,
    an address that never signed or the cap reached all end the same way.
    """
    if not key or not petition.is_open():
        return
    try:
        raw = jobs.redis().get(_key(key))
    except RedisError:
        return
    if raw is None:
        return
    record = json.loads(raw)
    if record.get("p") != petition.id:
        return
    signing.email_again(petition.id, record["e"])
