"""`flask privacy …`: the RGPD retention chores (jobs/retention.py), by hand."""

import click
from flask.cli import AppGroup

from ..jobs import retention

privacy_cli = AppGroup("privacy", help="RGPD retention: purge and erase personal data.")


@privacy_cli.command("purge-unconfirmed")
def purge_unconfirmed():
    """Delete signatures never confirmed within UNCONFIRMED_RETENTION_DAYS, and
    audit log lines older than AUDIT_RETENTION_DAYS."""
    done = retention.purge_unconfirmed()
    click.echo(f"Deleted {done['deleted']} unconfirmed signature(s).")
    click.echo(f"Deleted {done['audit_deleted']} audit log line(s).")


@privacy_cli.command("erase-expired")
def erase_expired():
    """Erase personal data of closed petitions past their retention period."""
    click.echo(f"Erased the personal data of {retention.erase_expired()['erased']} signature(s).")
