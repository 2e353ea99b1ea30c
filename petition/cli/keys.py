"""`flask keys …`: the Ed25519 key that signs attestations and export manifests."""

import json
import os
from pathlib import Path

import click
from flask.cli import AppGroup

from .. import keys
from ..verify import public_jwk

keys_cli = AppGroup("keys", help="The attestation signing key (docs/attestations.md).")


@keys_cli.command("generate")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the private key (PEM, mode 600); never overwritten.",
)
@click.option(
    "--public",
    "public_out",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the public key (PEM), e.g. into ATTESTATION_KEYS_DIR for later rotations.",
)
def generate(output, public_out):
    """Write a new Ed25519 private key; print its key id (RFC 7638 thumbprint)."""
    path = Path(output)
    if path.exists():
        raise click.ClickException(f"{path} exists: keys are never overwritten.")
    key = keys.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(keys.private_pem(key))
    if public_out:
        Path(public_out).write_bytes(keys.public_pem(key.public_key()))
    jwk = public_jwk(key.public_key())
    click.echo(f"Wrote {path} (key id {jwk['kid']}). Set ATTESTATION_KEY_FILE={path}.")
    click.echo(
        "On rotation, keep the old public key published: put its PEM in "
        "ATTESTATION_KEYS_DIR (or its JWK in ATTESTATION_PUBLIC_KEYS_FILE)."
    )


@keys_cli.command("jwks")
def jwks():
    """Print the published public keys (what /.well-known/jwks.json serves)."""
    click.echo(json.dumps(keys.keyring().jwks, indent=2))
