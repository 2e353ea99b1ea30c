"""`flask organizer create`, `flask petition export` and `flask petition verify-export`."""
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .cli import petition_cli

organizer_cli = AppGroup("organizer", help="Organiser accounts.")


def _messages():
    """Service messages go through Flask-Babel, which wants a request: French."""
    return current_app.test_request_context("/")


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
    """Create an organiser account with access to the given petitions."""
    from .services import organizers

    if not slugs and not admin:
        raise click.ClickException("Give at least one --petition, or --admin.")
    try:
        with _messages():
            chosen = organizers.petitions_by_slug(slugs)
            if invite:
                account = organizers.create_and_invite(None, email, slugs, is_admin=admin)
            else:
                password = _read_password(password_stdin)
                account = organizers.create(email, password, chosen, is_admin=admin)
    except organizers.OrganizerError as exc:
        raise click.ClickException(str(exc))
    role = "administrator" if admin else "organiser"
    where = ", ".join(p.slug for p in account.petitions) or "-"
    click.echo(f"Created {role} {account.email} (id {account.id}) for: {where}"
               + (" — invitation queued." if invite else "."))


@petition_cli.command("export")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="CSV file (default: <slug>-signataires-<date>.csv here; - for stdout).")
@click.option("--manifest", "manifest_out", type=click.Path(dir_okay=False, writable=True),
              help="Manifest file (default: <output>.manifest.json; none for stdout).")
@click.option("--delimiter", type=click.Choice([";", ","]), default=";", show_default=True)
@click.option("--category", default="")
@click.option("--commune", default="")
@click.option("--since", default="", help="Verified on or after YYYY-MM-DD.")
@click.option("--until", default="", help="Verified on or before YYYY-MM-DD.")
def export(slug, output, manifest_out, delimiter, category, commune, since, until):
    """Export the verified signers to CSV, with a signed manifest beside it."""
    from sqlalchemy import select

    from .extensions import db
    from .models import Petition
    from .services import exports

    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        raise click.ClickException(f"No petition {slug!r}.")
    try:
        with _messages():
            filters = exports.parse_filters(petition, dict(
                delimiter=delimiter, category=category, commune=commune,
                since=since, until=until))
    except exports.ExportError as exc:
        raise click.ClickException(str(exc))
    if output == "-":
        entry = exports.export_to_file(petition, filters, "cli",
                                       sys.stdout.buffer)
        path = "stdout"
    else:
        path = Path(output or exports.filename(petition))
        with path.open("wb") as out:
            entry = exports.export_to_file(petition, filters, "cli", out)
        manifest_out = manifest_out or path.with_name(path.stem + ".manifest.json")
    if manifest_out:
        Path(manifest_out).write_text(
            json.dumps(exports.manifest(entry), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8")
    click.echo(f"Wrote {entry.rows} verified signers to {path} (sha256 {entry.sha256}); "
               f"manifest {manifest_out or '-'}.", err=output == "-")

@petition_cli.command("verify-export")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("manifest_file", type=click.Path(exists=True, dir_okay=False))
def verify_export(csv_file, manifest_file):
    """Tell whether CSV_FILE is exactly the export MANIFEST_FILE describes."""
    from .services import exports

    try:
        data = json.loads(Path(manifest_file).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise click.ClickException("The manifest is not valid JSON.")
    if not isinstance(data, dict):
        raise click.ClickException("The manifest is not a JSON object.")
    with open(csv_file, "rb") as handle:
        ok, reason = exports.verify(iter(lambda: handle.read(1 << 16), b""), data)
    if not ok:
        raise click.ClickException({
            "signature": "FAILED: the manifest's signature is wrong (edited, or "
                         "signed with another key).",
            "sha256": "FAILED: the CSV differs from the exported file "
                      "(its SHA-256 does not match the manifest).",
        }[reason])
    click.echo(f"OK: {csv_file} is exactly the export of {data.get('petition')} "
               f"({data.get('rows')} rows, {data.get('generated_at')}).")


def init_app(app):
    app.cli.add_command(organizer_cli)
