"""`flask privacy …`: the RGPD retention chores (jobs/retention.py), by hand."""

import sys

import click
from flask.cli import AppGroup

from ..jobs import retention
from ..services import erasure_log

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


@privacy_cli.command("erasures")
@click.option("--since", type=click.DateTime(), default=None, help="only erasures since then")
def erasures(since):
    """Print the erasure log (CSV, no personal data): keep it beside the backups."""
    n = erasure_log.export(sys.stdout, since)
    click.echo(f"{n} erasure(s).", err=True)


@privacy_cli.command("replay-erasures")
@click.argument("log", type=click.File("r", encoding="utf-8"))
def replay_erasures(log):
    """After a restore: erase again the withdrawals logged in LOG (from `erasures`)."""
    try:
        entries = list(erasure_log.read(log))
    except (KeyError, ValueError) as exc:
        raise click.ClickException(f"{log.name} is not an erasure log: {exc}") from None
    n = erasure_log.replay(entries)
    click.echo(f"Erased again the personal data of {n} restored signature(s).")
