"""The platform's Ed25519 signing key and the public keys it publishes.

The private key comes from `ATTESTATION_KEY` (PEM, or base64 of the PEM or of
the 32 raw bytes) or from the file `ATTESTATION_KEY_FILE`; `flask keys
generate` writes one. Its id (kid) is its RFC 7638 thumbprint. Keys used
before a rotation stay published, from `ATTESTATION_PUBLIC_KEYS_FILE` (a JWKS
or PEM public keys) and the `*.pem` files of `ATTESTATION_KEYS_DIR`, so what
they signed still verifies. Without a configured key, development keeps one
in `instance/attestation-dev-key.pem` and tests use one per app; production
refuses to start (`check_production_key`). Loaded on first use, once per app.
"""

import base64
import binascii
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import Flask, current_app

from .config import ROOT
from .verify import b64url, canonical, public_jwk

DEV_KEY_FILE = ROOT / "instance" / "attestation-dev-key.pem"


class KeyConfigError(ValueError):
    """A configured key cannot be read; the message says which and why."""


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_jwk_of(key: Ed25519PrivateKey) -> dict[str, str]:
    return public_jwk(key.public_key())


def parse_private(text: str | bytes, where: str) -> Ed25519PrivateKey:
    """A PEM private key, or base64 of a PEM or of the 32 raw bytes."""
    data = text.encode() if isinstance(text, str) else text
    data = data.strip()
    if not data.startswith(b"-----"):
        try:
            data = base64.b64decode(data, validate=True)
        except binascii.Error:
            raise KeyConfigError(f"{where}: neither PEM nor base64.") from None
    try:
        if data.startswith(b"-----"):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(data)
    except ValueError as exc:
        raise KeyConfigError(f"{where}: not an Ed25519 private key ({exc}).") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyConfigError(f"{where}: the key is not Ed25519.")
    return key


def _public_keys_from_file(path: Path) -> list[Ed25519PublicKey]:
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        jwks = json.loads(data)
        return [
            Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(k["x"] + "=="))
            for k in jwks.get("keys", [])
            if (k.get("kty"), k.get("crv")) == ("OKP", "Ed25519")
        ]
    found = []
    for block in data.split(b"-----END")[:-1]:
        pem = block[block.find(b"-----BEGIN") :] + b"-----END" + b" PUBLIC KEY-----\n"
        if b"PRIVATE" in block:
            raise KeyConfigError(f"{path}: holds a private key; publish public keys only.")
        key = serialization.load_pem_public_key(pem)
        if isinstance(key, Ed25519PublicKey):
            found.append(key)
    return found


class Keyring:
    """The signing key and every public key to publish (current first)."""

    def __init__(self, private: Ed25519PrivateKey | None, old: list[Ed25519PublicKey]):
        self.private = private
        jwks = [public_jwk(private.public_key())] if private else []
        seen = {j["kid"] for j in jwks}
        for key in old:
            jwk = public_jwk(key)
            if jwk["kid"] not in seen:
                seen.add(jwk["kid"])
                jwks.append(jwk)
        self.jwks = {"keys": jwks}
        self.kid = jwks[0]["kid"] if private else None

    def sign(self, data: bytes) -> str:
        if self.private is None:
            raise KeyConfigError("No attestation key is configured (ATTESTATION_KEY).")
        return b64url(self.private.sign(data))

    def envelope(self, payload: dict, fmt: str) -> dict:
        """The JWS-like envelope: {alg, format, kid, payload, signature}."""
        return {
            "alg": "EdDSA",
            "format": fmt,
            "kid": self.kid,
            "payload": payload,
            "signature": self.sign(canonical(payload)),
        }


def configured_private(config) -> Ed25519PrivateKey | None:
    if config.get("ATTESTATION_KEY"):
        return parse_private(config["ATTESTATION_KEY"], "ATTESTATION_KEY")
    path = config.get("ATTESTATION_KEY_FILE")
    if path:
        try:
            return parse_private(Path(path).read_bytes(), f"ATTESTATION_KEY_FILE={path}")
        except OSError as exc:
            raise KeyConfigError(f"ATTESTATION_KEY_FILE={path}: {exc.strerror}.") from None
    return None


def _old_public_keys(config) -> list[Ed25519PublicKey]:
    paths = []
    if config.get("ATTESTATION_PUBLIC_KEYS_FILE"):
        paths.append(Path(config["ATTESTATION_PUBLIC_KEYS_FILE"]))
    if config.get("ATTESTATION_KEYS_DIR"):
        paths.extend(sorted(Path(config["ATTESTATION_KEYS_DIR"]).glob("*.pem")))
    found = []
    for path in paths:
        try:
            found.extend(_public_keys_from_file(path))
        except (OSError, ValueError, KeyError) as exc:
            raise KeyConfigError(f"{path}: not a list of Ed25519 public keys ({exc}).") from None
    return found


def _fallback(app: Flask) -> Ed25519PrivateKey | None:
    """No key configured: production has none; development keeps one on disk."""
    env = app.config["APP_ENV"]
    if env == "development":
        if DEV_KEY_FILE.exists():
            return parse_private(DEV_KEY_FILE.read_bytes(), str(DEV_KEY_FILE))
        key = generate()
        DEV_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEV_KEY_FILE.write_bytes(private_pem(key))
        return key
    if env in ("test", "bench"):
        return generate()
    return None


def keyring(app: Flask | None = None) -> Keyring:
    """The app's keys, read once."""
    app = app or current_app._get_current_object()
    ring = app.extensions.get("attestation_keys")
    if ring is None:
        private = configured_private(app.config) or _fallback(app)
        ring = Keyring(private, _old_public_keys(app.config))
        app.extensions["attestation_keys"] = ring
    return ring


def check_production_key(app: Flask) -> None:
    """Production with attestations on must have a readable key before it serves."""
    if app.config.get("APP_ENV") != "production" or not app.config.get("ATTESTATIONS_ENABLED"):
        return
    try:
        ring = keyring(app)
    except KeyConfigError as exc:
        raise RuntimeError(f"Attestation key unusable: {exc}") from None
    if ring.private is None:
        raise RuntimeError(
            "ATTESTATIONS_ENABLED is on but no attestation key is set. Run "
            "`flask keys generate --output attestation-key.pem`, then set "
            "ATTESTATION_KEY_FILE to that file (or ATTESTATION_KEY to its content), "
            "or set ATTESTATIONS_ENABLED=0."
        )
