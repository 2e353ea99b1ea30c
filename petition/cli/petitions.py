"""`flask petition …`: create, demo, list, reconcile, export, verify-export, attest."""

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
from ..models import GoalScope, MilestoneKind, Petition, PetitionState, WebhookEvent
from ..services import attestations, exports, milestones, organizers, webhooks
from ..services.petitions import PetitionError, parse_date, parse_territory, save
from ..services.reconcile import reconcile_all

petition_cli = AppGroup("petition", help="Create, list and load petitions.")


@petition_cli.command("create")
@click.option("--slug", required=True, help="Short address: /p/<slug>.")
@click.option("--title", required=True)
@click.option("--territory", required=True, help="e.g. « French Tech Côte d'Azur ».")
@click.option(
    "--communes", default="", help="INSEE codes (06088,06029) or Nice:06000,06100;Cannes:06400"
)
@click.option("--epci", default="", help="SIREN of intercommunalities, e.g. 244200770.")
@click.option("--departement", default="", help="Département codes, e.g. 42 or 06,83.")
@click.option("--description", default="", help="Markdown (sanitised on display).")
@click.option("--goal", type=int, default=1000, show_default=True)
@click.option(
    "--goal-scope",
    type=click.Choice(GoalScope.ALL),
    default=GoalScope.TOTAL,
    show_default=True,
    help="What the goal counts: every verified signature, or the territory's only.",
)
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
    epci,
    departement,
    description,
    goal,
    goal_scope,
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
            goal_scope=goal_scope,
            state=state,
            opens_at=parse_date(opens),
            closes_at=parse_date(closes),
            controller_name=controller_name,
            controller_email=controller_email,
            retention_days=retention_days,
        )
        petition = save(fields, parse_territory(communes, epci, departement))
    except PetitionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Created petition {petition.slug} (id {petition.id}, {petition.state}), "
        f"territory of {len(petition.territory_codes)} communes."
    )


@petition_cli.command("demo")
def demo():
    """Load the demo petitions (Saint-Étienne, Côte d'Azur, Lyon) and, outside
    production, the demo organizer; idempotent."""
    for entry in DEMO:
        if db.session.scalar(select(Petition.id).where(Petition.slug == entry["slug"])):
            click.echo(f"Demo petition {entry['slug']} already there.")
            continue
        fields = {k: v for k, v in entry.items() if k not in ("communes", "epci")}
        fields["state"] = PetitionState.OPEN
        save(fields, parse_territory(entry.get("communes"), entry.get("epci")))
        click.echo(f"Loaded demo petition {entry['slug']}.")
    _demo_organizer()
    _demo_alerts(db.session.scalar(select(Petition).where(Petition.slug == DEMO[0]["slug"])))


def _demo_organizer():
    """The demo organizer, outside production only (its password is public)."""
    if current_app.config["APP_ENV"] == "production":
        click.echo("Production: no demo organizer.")
        return
    email, password = DEMO_ORGANIZER["email"], DEMO_ORGANIZER["password"]
    if organizers.find(email) is None:
        slugs = DEMO_ORGANIZER["petitions"]
        petitions = db.session.scalars(select(Petition).where(Petition.slug.in_(slugs))).all()
        organizers.create(email, password, petitions)
    click.echo(f"Demo organizer: {email} / {password}")


def _demo_alerts(petition):
    """What `make run` shows of milestones and webhooks: an organizer of the
    first demo petition, a milestone at its next signature, and the dev stack's
    local receiver (DEMO_WEBHOOK_URL) as a webhook endpoint."""
    if current_app.config["APP_ENV"] == "production":
        return
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
        click.echo(
            f"Repaired {r.slug}: {r.stored} -> {r.actual}"
            f" (local {r.stored_local} -> {r.actual_local})"
        )
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
@click.option(
    "--place",
    type=click.Choice(["local", "outside"]),
    default=None,
    help="Only the territory's supporters (local) or the others (outside).",
)
@click.option("--since", default="", help="Verified on or after YYYY-MM-DD.")
@click.option("--until", default="", help="Verified on or before YYYY-MM-DD.")
@click.option(
    "--lang",
    "language",
    type=click.Choice(["fr", "en"]),
    default="fr",
    show_default=True,
    help="Language of the category column (its names, as the organizer pages say them).",
)
@click.option(
    "--keys",
    is_flag=True,
    help="Keep the machine keys in the category column (student, company…), for scripts.",
)
def export(
    slug, output, manifest_out, delimiter, category, commune, place, since, until, language, keys
):
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
                    place=place or "",
                    since=since,
                    until=until,
                    language="" if keys else language,
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
    exports.ManifestCheck.KEY: (
        "FAILED: the manifest is signed by a key these public keys do not hold."
    ),
    exports.ManifestCheck.SHA256: (
        "FAILED: the CSV differs from the exported file (its SHA-256 does not match the manifest)."
    ),
}


@petition_cli.command("verify-export")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("manifest_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A JWKS of public keys (/.well-known/jwks.json); default: this platform's.",
)
def verify_export(csv_file, manifest_file, keys_file):
    """Tell whether CSV_FILE is exactly the export MANIFEST_FILE describes."""
    data, jwks = _json_file(manifest_file, "manifest"), None
    if keys_file:
        jwks = _json_file(keys_file, "keys file")
    with open(csv_file, "rb") as handle:
        ok, reason = exports.verify(iter(lambda: handle.read(1 << 16), b""), data, jwks)
    if not ok:
        raise click.ClickException(VERIFY_FAILURES[reason])
    click.echo(
        f"OK: {csv_file} is exactly the export of {data.get('petition')} "
        f"({data.get('rows')} rows, {data.get('generated_at')})."
    )


def _json_file(path, what):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise click.ClickException(f"The {what} is not valid JSON.") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"The {what} is not a JSON object.")
    return data


@petition_cli.command("attest")
@click.argument("slug")
@click.option(
    "--output-dir",
    "-d",
    type=click.Path(file_okay=False, writable=True),
    default=".",
    show_default=True,
    help="Where the JSON, the PDF and the CSV export of the same instant go.",
)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def attest(slug, output_dir, lang):
    """Make a signed attestation of SLUG's verified support (JSON, PDF, CSV)."""
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None:
        raise click.ClickException(f"No petition {slug!r}.")
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / exports.filename(petition)
    try:
        with csv_path.open("w+b") as csv_out:
            entry = attestations.create(petition, "cli", csv_out)
    except attestations.AttestationError as exc:
        raise click.ClickException(str(exc)) from exc
    stem = folder / f"{slug}-attestation-{entry.id}"
    stem.with_suffix(".json").write_text(entry.document + "\n", encoding="utf-8")
    with message_context():
        stem.with_suffix(".pdf").write_bytes(attestations.pdf_of(entry, lang))
    payload = attestations.envelope_of(entry)["payload"]
    click.echo(
        f"Attestation {entry.id}: {entry.verified_total} verified signatures, key {entry.kid}.\n"
        f"Wrote {stem}.json, {stem}.pdf and {csv_path} (sha256 {entry.export_sha256}).\n"
        f"Verify: {payload['verify_url']}"
    )
