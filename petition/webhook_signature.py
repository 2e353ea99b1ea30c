"""The Standard Webhooks signature (https://www.standardwebhooks.com/): the
secret's format and the `webhook-signature` header. Shared by the service
that registers endpoints and the job that posts to them."""

import base64
import hashlib
import hmac
import secrets


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes; the HMAC key is those bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` + base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
