"""`flask organizer create|list|deactivate|activate|remove|grant`."""

import json
import sys

import click
from flask.cli import AppGroup

from ..i18n import message_context
from ..services import accounts, organizers

organizer_cli = AppGroup(
    "organizer",
    help="Organizer accounts and their access. Exit codes: 0 done (or nothing to "
    "change), 1 unknown account or petition or change refused, 2 usage error.",
)


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


# --- access control: list, deactivate, activate, remove, grant -----------------
#
# Exit codes: 0 done (also when there was nothing to change: the output says
# so, and `--json` has "changed": false); 1 unknown account or petition, or a
# change refused; 2 a usage error (click's own).

JSON_HELP = "Print the result as JSON (one object) instead of a sentence."


def _emit(as_json, data, sentence):
    click.echo(json.dumps(data, ensure_ascii=False, sort_keys=True) if as_json else sentence)


def _fail(as_json, message):
    if as_json:
        click.echo(json.dumps({"error": message}, ensure_ascii=False))
        sys.exit(1)
    raise click.ClickException(message)


def _describe(account):
    return {
        "email": account.email,
        "id": account.id,
        "admin": bool(account.is_admin),
        "active": bool(account.active),
        "invited": not account.password_hash,
        "petitions": [p.slug for p in account.petitions],
        "last_login_at": account.last_login_at.isoformat() if account.last_login_at else None,
    }


@organizer_cli.command("list")
@click.option("--petition", "slug", help="Only the organizers of this petition (slug).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def list_organizers(slug, as_json):
    """List organizer accounts: address, role, state and petitions."""
    with message_context():
        try:
            chosen = organizers.petitions_by_slug([slug])[0] if slug else None
        except organizers.OrganizerError as exc:
            _fail(as_json, str(exc))
        found = organizers.list_all() if chosen is None else accounts.team(chosen)
        rows = [_describe(a) for a in found]
    if as_json:
        _emit(True, {"organizers": rows}, "")
        return
    for row in rows:
        state = "inactive" if not row["active"] else "invited" if row["invited"] else "active"
        role = "admin" if row["admin"] else "organizer"
        click.echo(f"{row['email']}\t{role}\t{state}\t{','.join(row['petitions']) or '-'}")
    if not rows:
        click.echo("No organizer.")


def _change(as_json, email, slug, do, done, unchanged):
    """Run one access change as the CLI (actor None, logged as "cli")."""
    with message_context():
        try:
            account = accounts.account(email)
            petition = organizers.petitions_by_slug([slug])[0] if slug else None
            changed = do(None, account, petition) if petition else do(None, account)
        except organizers.OrganizerError as exc:
            _fail(as_json, str(exc))
        data = {"changed": changed, **_describe(account)}
    where = f" on {slug}" if slug else ""
    _emit(as_json, data, (done if changed else unchanged).format(email=account.email) + where)


@organizer_cli.command("deactivate")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def deactivate(email, as_json):
    """Deactivate EMAIL's account: its open sessions end at their next request,
    it cannot log in, and reactivating it later does not revive them."""
    _change(
        as_json,
        email,
        None,
        accounts.deactivate,
        "Deactivated {email}: its sessions are ended.",
        "{email} was already inactive.",
    )


@organizer_cli.command("activate")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def activate(email, as_json):
    """Reactivate EMAIL's account (it logs in again; old sessions stay ended)."""
    _change(
        as_json,
        email,
        None,
        accounts.activate,
        "Reactivated {email}.",
        "{email} was already active.",
    )


@organizer_cli.command("remove")
@click.argument("email")
@click.option("--petition", "slug", required=True, help="Slug of the petition.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def remove(email, slug, as_json):
    """Take one petition away from EMAIL (and any offer of it still unanswered)."""
    _change(
        as_json,
        email,
        slug,
        accounts.remove,
        "Removed {email}",
        "{email} had no access",
    )


@organizer_cli.command("grant")
@click.argument("email")
@click.option("--petition", "slug", required=True, help="Slug of the petition.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def grant(email, slug, as_json):
    """Give EMAIL's existing account access to a petition at once (the operator's
    decision; from the web, an existing account is offered it and must accept)."""
    _change(
        as_json,
        email,
        slug,
        accounts.grant,
        "Granted {email} access",
        "{email} already had access",
    )
