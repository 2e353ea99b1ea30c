"""The signed manifest of a finished export, and its check.

Signed with the platform's Ed25519 key (petition/keys.py), so anyone holding
the public key verifies it; manifests signed before (HMAC with SECRET_KEY,
no "alg") still verify with the secret.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC
from enum import StrEnum
from typing import Any

from itsdangerous import Signer

from ... import keys, tokens
from ... import verify as verifier
from ...models import ExportLog

MANIFEST_SALT = "petition.export.manifest.v1"


def _utc(value, fmt="%Y-%m-%d %H:%M:%S"):
    """UTC to the second; spreadsheets read `YYYY-MM-DD HH:MM:SS` as a date."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(fmt)


def _signer():
    return Signer(
        tokens.signing_keys(),  # a manifest signed before a key rotation still verifies
        salt=MANIFEST_SALT,
        digest_method=hashlib.sha256,
        key_derivation="hmac",
    )


_canonical = verifier.canonical  # sorted keys, no spaces, UTF-8: the signed bytes


def manifest(entry: ExportLog) -> dict[str, Any]:
    """The signed manifest of a finished export, as a dict ready for JSON."""
    body = {
        "petition": entry.petition.slug,
        "export_id": entry.id,
        "filename": entry.filename,
        "filters": json.loads(entry.filters),
        "rows": entry.rows,
        "sha256": entry.sha256,
        "generated_at": _utc(entry.finished_at, "%Y-%m-%dT%H:%M:%SZ"),
        "exported_by": entry.actor,
    }
    ring = keys.keyring()
    if ring.private is None:  # attestations off and no key: the server-only HMAC
        body["signature"] = _signer().get_signature(_canonical(body)).decode()
        return body
    body["alg"], body["kid"] = verifier.ALG, ring.kid
    body["signature"] = ring.sign(_canonical(body))
    return body


class ManifestCheck(StrEnum):
    """What `verify` found."""

    OK = "ok"
    SIGNATURE = "signature"  # the manifest's signature is wrong: edited, or another key
    KEY = "key"  # signed by a key the given public keys do not hold
    SHA256 = "sha256"  # the CSV is not the exported file


def verify(
    csv_bytes_iter: Iterable[bytes],
    manifest_data: Mapping[str, Any],
    jwks: Mapping[str, Any] | None = None,
) -> tuple[bool, ManifestCheck]:
    """(ok, ManifestCheck) — is the file exactly the one the signed manifest describes?

    An Ed25519 manifest is checked with `jwks` (a JWKS: the public keys alone),
    or the keys this platform publishes; an old HMAC one with SECRET_KEY.
    """
    body = dict(manifest_data)
    if body.get("alg") == verifier.ALG:
        public = verifier.keys_from_jwks(jwks if jwks is not None else keys.keyring().jwks)
        result = verifier.verify_document(body, public)
        if not result.valid:
            key_missing = result.reason == "unknown_key"
            return False, ManifestCheck.KEY if key_missing else ManifestCheck.SIGNATURE
        body.pop("signature")
    else:
        signature = body.pop("signature", "")
        if not isinstance(signature, str) or not _signer().verify_signature(
            _canonical(body), signature.encode()
        ):
            return False, ManifestCheck.SIGNATURE
    digest = hashlib.sha256()
    for chunk in csv_bytes_iter:
        digest.update(chunk)
    if digest.hexdigest() != body.get("sha256"):
        return False, ManifestCheck.SHA256
    return True, ManifestCheck.OK
