"""`flask privacy …` and `flask mail sweep`: the scheduled chores, by hand."""
import click
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="RGPD retention: purge and erase personal data.")
mail_cli = AppGroup("mail", help="Email delivery chores.")


@privacy_cli.command("purge-unconfirmed")
def purge_unconfirmed():
    """Delete signatures never confirmed within UNCONFIRMED_RETENTION_DAYS."""
    from .jobs.retention import purge_unconfirmed as run

    click.echo(f"Deleted {run()['deleted']} unconfirmed signature(s).")


@privacy_cli.command("erase-expired")
def erase_expired():
    """Erase personal data of closed petitions past their retention period."""
    from .jobs.retention import erase_expired as run

    click.echo(f"Erased the personal data of {run()['erased']} signature(s).")


@mail_cli.command("sweep")
def sweep():
    """Queue every email that was never queued (Redis was down) or whose job was lost."""
    from redis.exceptions import RedisError

    from .jobs.sweeper import sweep_unsent_emails as run

    try:
        click.echo(f"Queued {run()['queued']} email(s).")
    except RedisError as exc:
        raise click.ClickException(f"Redis is unreachable ({exc}); nothing was queued.")


def init_app(app):
    app.cli.add_command(privacy_cli)
    app.cli.add_command(mail_cli)
