"""`flask organizer create`."""

import sys

import click
from flask.cli import AppGroup

from ..i18n import message_context
from ..services import organizers

organizer_cli = AppGroup("organizer", help="Organizer accounts.")


def _read_password(password_stdin):
    """From stdin when piped (or asked), else a hidden prompt typed twice."""
    if password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.ClickException("No password on stdin.")
        return line
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@organizer_cli.command("create")
@click.option("--email", required=True)
@click.option("--petition", "slugs", multiple=True, help="Slug of a petition (repeatable).")
@click.option("--admin", is_flag=True, help="Site administrator: every petition.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--invite", is_flag=True, help="No password: email an invitation link.")
def create(email, slugs, admin, password_stdin, invite):
    """Create an organizer account with access to the given petitions."""
    if not slugs and not admin:
        raise click.ClickException("Give at least one --petition, or --admin.")
    try:
        with message_context():
            chosen = organizers.petitions_by_slug(slugs)
            if invite:
                account = organizers.create_and_invite(None, email, slugs, is_admin=admin)
            else:
                password = _read_password(password_stdin)
                account = organizers.create(email, password, chosen, is_admin=admin)
    except organizers.OrganizerError as exc:
        raise click.ClickException(str(exc)) from exc
    role = "administrator" if admin else "organizer"
    where = ", ".join(p.slug for p in account.petitions) or "-"
    click.echo(
        f"Created {role} {account.email} (id {account.id}) for: {where}"
        + (" — invitation queued." if invite else ".")
    )
