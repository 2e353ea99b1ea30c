"""`flask petition …`: create, demo, list, reconcile, export, verify-export."""

import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..demo import DEMO, DEMO_ORGANIZER, DEMO_WEBHOOK_PATH
from ..extensions import db
from ..i18n import message_context
from ..jobs.counts import enqueue_reconcile
from ..models import MilestoneKind, Petition, PetitionState, WebhookEvent
from ..services import exports, milestones, organizers, webhooks
from ..services.petitions import PetitionError, parse_communes, parse_date, save
from ..services.reconcile import reconcile_all

petition_cli = AppGroup("petition", help="Create, list and load petitions.")


@petition_cli.command("create")
@click.option("--slug", required=True, help="Short address: /p/<slug>.")
@click.option("--title", required=True)
@click.option("--territory", required=True, help="e.g. « French Tech Côte d'Azur ».")
@click.option("--communes", default="", help="Nice:06000,06100;Cannes:06400")
@click.option("--description", default="", help="Markdown (sanitised on display).")
@click.option("--goal", type=int, default=1000, show_default=True)
@click.option(
    "--state", type=click.Choice(PetitionState.ALL), default=PetitionState.OPEN, show_default=True
)
@click.option("--opens", default=None, help="YYYY-MM-DD[THH:MM] (UTC)")
@click.option("--closes", default=None, help="YYYY-MM-DD[THH:MM] (UTC)")
@click.option("--controller-name", default="", help="Data controller (privacy notice).")
@click.option("--controller-email", default="")
@click.option("--retention-days", type=int, default=365, show_default=True)
def create(
    slug,
    title,
    territory,
    communes,
    description,
    goal,
    state,
    opens,
    closes,
    controller_name,
    controller_email,
    retention_days,
):
    """Create a petition non-interactively."""
    try:
        fields = dict(
            slug=slug,
            title=title,
            territory=territory,
            description=description,
            goal=goal,
            state=state,
            opens_at=parse_date(opens),
            closes_at=parse_date(closes),
            controller_name=controller_name,
            controller_email=controller_email,
            retention_days=retention_days,
        )
        petition = save(fields, parse_communes(communes))
    except PetitionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created petition {petition.slug} (id {petition.id}, {petition.state}).")


@petition_cli.command("demo")
def demo():
    """Load the demo petitions (Saint-Étienne, Côte d'Azur, Lyon); idempotent."""
    for entry in DEMO:
        if db.session.scalar(select(Petition.id).where(Petition.slug == entry["slug"])):
            click.echo(f"Demo petition {entry['slug']} already there.")
            continue
        fields = {k: v for k, v in entry.items() if k != "communes"}
        fields["state"] = PetitionState.OPEN
        save(fields, parse_communes(entry["communes"]))
        click.echo(f"Loaded demo petition {entry['slug']}.")
    _demo_alerts(db.session.scalar(select(Petition).where(Petition.slug == DEMO[0]["slug"])))


def _demo_alerts(petition):
    """What `make run` shows of milestones and webhooks: an organizer of the
    first demo petition, a milestone at its next signature, and the dev stack's
    local receiver (DEMO_WEBHOOK_URL) as a webhook endpoint."""
    if current_app.config["APP_ENV"] == "production":
        return
    if organizers.find(DEMO_ORGANIZER[0]) is None:
        organizers.create(*DEMO_ORGANIZER, petitions=[petition])
        click.echo(f"Demo organizer {DEMO_ORGANIZER[0]} (password {DEMO_ORGANIZER[1]!r}).")
    try:
        milestones.add(petition, MilestoneKind.COUNT, petition.signature_count + 1)
        click.echo(f"Demo milestone at {petition.signature_count + 1} signatures.")
    except milestones.MilestoneError:
        pass
    url = os.environ.get("DEMO_WEBHOOK_URL")
    if url:
        for endpoint in webhooks.endpoints(petition):
            if endpoint.url.endswith(DEMO_WEBHOOK_PATH):
                webhooks.remove(petition, endpoint.id)
        webhooks.register(petition, url, WebhookEvent.CHOICES)
        click.echo(f"Demo webhook endpoint {url}.")


@petition_cli.command("list")
def list_():
    """List petitions with their verified counts."""
    for p in db.session.scalars(select(Petition).order_by(Petition.slug)):
        click.echo(f"{p.slug}\t{p.state}\t{p.signature_count}/{p.goal}\t{p.title}")


@petition_cli.command("reconcile")
@click.option("--enqueue", is_flag=True, help="Queue the job for the worker instead.")
def reconcile(enqueue):
    """Recompute every count from the verified signatures; repair drift and caches."""
    if enqueue:
        click.echo(f"Queued reconciliation job {enqueue_reconcile().id}.")
        return
    checked, repairs = reconcile_all()
    for r in repairs:
        click.echo(f"Repaired {r.slug}: {r.stored} -> {r.actual}")
    click.echo(f"{checked} petitions checked, {len(repairs)} repaired.")


@petition_cli.command("export")
@click.argument("slug")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="CSV file (default: <slug>-signataires-<date>.csv here; - for stdout).",
)
@click.option(
    "--manifest",
    "manifest_out",
    type=click.Path(dir_okay=False, writable=True),
    help="Manifest file (default: <output>.manifest.json; none for stdout).",
)
@click.option("--delimiter", type=click.Choice([";", ","]), default=";", show_default=True)
@click.option("--category", default="")
@click.option("--commune", default="")
@click.option("--since", default="", help="Verified on or after YYYY-MM-DD.")
@click.option("--until", default="", help="Verified on or before YYYY-MM-DD.")
def export(slug, output, manifest_out, delimiter, category, commune, since, until):
    """Export the verified signers to CSV, with a signed manifest beside it."""
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        raise click.ClickException(f"No petition {slug!r}.")
    try:
        with message_context():
            filters = exports.parse_filters(
                petition,
                dict(
                    delimiter=delimiter,
                    category=category,
                    commune=commune,
                    since=since,
                    until=until,
                ),
            )
    except exports.ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    if output == "-":
        entry = exports.export_to_file(petition, filters, "cli", sys.stdout.buffer)
        path = "stdout"
    else:
        path = Path(output or exports.filename(petition))
        with path.open("wb") as out:
            entry = exports.export_to_file(petition, filters, "cli", out)
        manifest_out = manifest_out or path.with_name(path.stem + ".manifest.json")
    if manifest_out:
        Path(manifest_out).write_text(
            json.dumps(exports.manifest(entry), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    click.echo(
        f"Wrote {entry.rows} verified signers to {path} (sha256 {entry.sha256}); "
        f"manifest {manifest_out or '-'}.",
        err=output == "-",
    )


#: Why a CSV and its manifest disagree, as `verify-export` says it.
VERIFY_FAILURES = {
    exports.ManifestCheck.SIGNATURE: (
        "FAILED: the manifest's signature is wrong (edited, or signed with another key)."
    ),
    exports.ManifestCheck.SHA256: (
        "FAILED: the CSV differs from the exported file (its SHA-256 does not match the manifest)."
    ),
}


@petition_cli.command("verify-export")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("manifest_file", type=click.Path(exists=True, dir_okay=False))
def verify_export(csv_file, manifest_file):
    """Tell whether CSV_FILE is exactly the export MANIFEST_FILE describes."""
    try:
        data = json.loads(Path(manifest_file).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise click.ClickException("The manifest is not valid JSON.") from None
    if not isinstance(data, dict):
        raise click.ClickException("The manifest is not a JSON object.")
    with open(csv_file, "rb") as handle:
        ok, reason = exports.verify(iter(lambda: handle.read(1 << 16), b""), data)
    if not ok:
        raise click.ClickException(VERIFY_FAILURES[reason])
    click.echo(
        f"OK: {csv_file} is exactly the export of {data.get('petition')} "
        f"({data.get('rows')} rows, {data.get('generated_at')})."
    )
