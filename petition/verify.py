"""Check an attestation or an export manifest with the public keys alone.

Needs only the `cryptography` library (never Flask, never our server), so a
jury can run it anywhere:

    python -m petition.verify attestation.json --keys keys.json
    python -m petition.verify attestation.pdf --keys keys.json
    python -m petition.verify export.manifest.json --keys keys.json --csv export.csv

`keys.json` is the JWKS the platform publishes at /.well-known/jwks.json.
The formats are in docs/attestations.md: the signed bytes are the canonical
JSON (sorted keys, no spaces, UTF-8) of the payload, the signature Ed25519 in
base64url, the key named by its RFC 7638 thumbprint. The web verifier and
`flask petition verify-export` call the same functions.
"""

import argparse
import base64
import hashlib
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "petition-attestation/1"
TYPE = "petition-attestation"  # the payload's own type: what the signature binds
ALG = "EdDSA"
#: The last line of a signed PDF: the Ed25519 signature of every byte before it.
PDF_MARK = b"%PETITION-SIGNATURE "
#: How the embedded envelope starts (canonical JSON: keys sorted).
ENVELOPE_START = b'{"alg":"EdDSA","format":"' + FORMAT.encode() + b'"'


def canonical(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes that are signed."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a base64url string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The key as RFC 8037 writes it, with its RFC 7638 thumbprint as kid."""
    raw = key.public_bytes_raw()
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    jwk["kid"] = thumbprint(jwk)
    jwk["alg"], jwk["use"] = ALG, "sig"
    return jwk


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members, canonical, base64url."""
    required = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    return b64url(hashlib.sha256(canonical(required)).digest())


def keys_from_jwks(jwks: Any) -> dict[str, Ed25519PublicKey]:
    """{kid: key} of the Ed25519 keys of a JWKS; the kid is recomputed, never trusted."""
    found = {}
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    for jwk in entries if isinstance(entries, list) else []:
        if not isinstance(jwk, dict) or (jwk.get("kty"), jwk.get("crv")) != ("OKP", "Ed25519"):
            continue
        try:
            key = Ed25519PublicKey.from_public_bytes(unb64url(jwk.get("x")))
        except ValueError:
            continue
        found[thumbprint({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]})] = key
    return found


@dataclass
class Result:
    """What a check found. `reason` is a code (see REASONS) when not valid."""

    valid: bool
    reason: str = ""
    kid: str = ""
    kind: str = ""  # "attestation" or "manifest"
    payload: dict = field(default_factory=dict)


#: Why a document does not verify, in plain words (the web page translates them).
REASONS = {
    "not_json": "The file is not a JSON document, nor a PDF attestation.",
    "not_envelope": "The document is not an attestation nor an export manifest.",
    "unknown_key": "The document names a key this list of public keys does not hold.",
    "bad_signature": (
        "The signature does not match: the document was changed, or not signed by this key."
    ),
    "pdf_signature": "The PDF was changed after it was signed (its signature does not match).",
    "pdf_unsigned": "The PDF carries no signature of this platform.",
    "pdf_mismatch": "The PDF's embedded attestation was not found or does not match.",
    "csv_mismatch": "The CSV differs from the exported file (its SHA-256 does not match).",
}


def _check(signed: bytes, signature: Any, kid: Any, keys: dict[str, Ed25519PublicKey]) -> str:
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        return "unknown_key"
    try:
        key.verify(unb64url(signature), signed)
    except (InvalidSignature, ValueError, TypeError):
        return "bad_signature"
    return ""


def verify_document(doc: Any, keys: dict[str, Ed25519PublicKey]) -> Result:
    """An attestation envelope or an Ed25519 export manifest, already parsed."""
    if not isinstance(doc, dict):
        return Result(False, "not_envelope")
    payload = doc.get("payload")
    if doc.get("format") == FORMAT and isinstance(payload, dict):
        if payload.get("type") != TYPE:  # e.g. a manifest's body re-wrapped: never an attestation
            return Result(False, "not_envelope")
        reason = _check(canonical(doc["payload"]), doc.get("signature"), doc.get("kid"), keys)
        return Result(not reason, reason, str(doc.get("kid", "")), "attestation", doc["payload"])
    if doc.get("alg") == ALG and "sha256" in doc:  # a signed export manifest
        body = {k: v for k, v in doc.items() if k != "signature"}
        reason = _check(canonical(body), doc.get("signature"), doc.get("kid"), keys)
        return Result(not reason, reason, str(doc.get("kid", "")), "manifest", body)
    return Result(False, "not_envelope")


def split_pdf(data: bytes) -> tuple[bytes, str, str] | None:
    """(signed bytes, kid, signature) of a PDF signed by sign_pdf, or None."""
    at = data.rfind(b"\n" + PDF_MARK)
    if at < 0:
        return None
    line = data[at + 1 + len(PDF_MARK) :].strip().decode("ascii", "replace")
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    return data[: at + 1], fields.get("kid", ""), fields.get("sig", "")


def embedded_envelope(data: bytes) -> Any:
    """The attestation JSON the PDF carries as an uncompressed attachment."""
    start = data.find(ENVELOPE_START)
    if start < 0:
        return None
    end = data.find(b"\nendstream", start)
    chunk = data[start : end if end > 0 else len(data)]
    try:
        value, _end = json.JSONDecoder().raw_decode(chunk.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None
    return value


def verify_pdf(data: bytes, keys: dict[str, Ed25519PublicKey]) -> Result:
    """Every byte of the PDF is signed, and the attestation inside verifies too."""
    parts = split_pdf(data)
    if parts is None:
        return Result(False, "pdf_unsigned")
    signed, kid, signature = parts
    reason = _check(signed, signature, kid, keys)
    if reason:
        return Result(False, "pdf_signature" if reason == "bad_signature" else reason, kid)
    inner = embedded_envelope(signed)
    if inner is None:
        return Result(False, "pdf_mismatch", kid)
    result = verify_document(inner, keys)
    if result.valid and result.kind != "attestation":
        return Result(False, "pdf_mismatch", kid)
    return result


def verify_bytes(data: bytes, keys: dict[str, Ed25519PublicKey]) -> Result:
    """A file as uploaded: a PDF attestation, or JSON (attestation or manifest)."""
    if data.lstrip()[:5] == b"%PDF-":
        return verify_pdf(data, keys)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Result(False, "not_json")
    return verify_document(doc, keys)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m petition.verify",
        description="Verify a petition attestation (JSON or PDF) or an export manifest "
        "with the platform's public keys (a JWKS file).",
    )
    parser.add_argument("document", help="attestation.json, attestation.pdf or a manifest")
    parser.add_argument("--keys", required=True, help="the JWKS (/.well-known/jwks.json)")
    parser.add_argument("--csv", help="with a manifest: the CSV file it describes")
    args = parser.parse_args(argv)
    try:
        with open(args.keys, "rb") as handle:
            keys = keys_from_jwks(json.loads(handle.read().decode("utf-8")))
        with open(args.document, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError) as exc:
        print(f"INVALID: cannot read the files ({exc}).")
        return 2
    result = verify_bytes(data, keys)
    if result.valid and args.csv and sha256_file(args.csv) != result.payload.get("sha256"):
        result = Result(False, "csv_mismatch", result.kid, result.kind, result.payload)
    if not result.valid:
        print(f"INVALID: {REASONS[result.reason]}")
        return 1
    payload = result.payload
    print(f"VALID {result.kind}, signed by key {result.kid}.")
    if result.kind == "attestation":
        petition = payload.get("petition", {})
        print(f"Petition: {petition.get('slug')} — {petition.get('title')}")
        print(f"At: {payload.get('instant')}")
        print(f"Verified signatures: {payload.get('verified_total')}")
        print(f"CSV export SHA-256: {payload.get('export', {}).get('sha256')}")
    else:
        rows, sha = payload.get("rows"), payload.get("sha256")
        print(f"Export of {payload.get('petition')}: {rows} rows, SHA-256 {sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
