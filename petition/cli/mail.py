"""`flask mail sweep`: the email sweeper (jobs/sweeper.py), by hand."""

import click
from flask.cli import AppGroup
from redis.exceptions import RedisError

from ..jobs.sweeper import sweep_unsent_emails

mail_cli = AppGroup("mail", help="Email delivery chores.")


@mail_cli.command("sweep")
def sweep():
    """Queue every email that was never queued (Redis was down) or whose job was lost."""
    try:
        click.echo(f"Queued {sweep_unsent_emails()['queued']} email(s).")
    except RedisError as exc:
        raise click.ClickException(f"Redis is unreachable ({exc}); nothing was queued.") from exc
