"""A signer's addresses: the canonical email that deduplicates signers, and
the keyed hash that stands for an IP address (signing and abuse both take it
from here)."""

import hashlib
import hmac
import unicodedata

from flask import current_app

#: Domains where dots in the local part are ignored, mapped to one domain.
GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical_email(address):
    """Trimmed, NFKC-normalised, lower-cased; `+tag` dropped; Gmail dots dropped.

    `Jean.Dupont+ft@GMAIL.com` and `jeandupont@googlemail.com` are one person.
    """
    address = unicodedata.normalize("NFKC", address.strip()).lower()
    local, _, domain = address.rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        domain = GMAIL_DOMAINS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def domain_of(address):
    return address.rpartition("@")[2].strip().lower()


def hash_ip(ip):
    """A keyed hash: the same IP gives the same value, the value gives no IP.

    Keyed by IP_HASH_KEY, not SECRET_KEY: rotating the secret key must not
    change the hashes that abuse signals and erasure compare."""
    if not ip:
        return None
    key = current_app.config["IP_HASH_KEY"].encode()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()
