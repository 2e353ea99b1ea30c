"""`flask sirene …`: import the Sirene stock files, see what is held, load the demo extract."""

import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..demo import DEMO
from ..geo import geography
from ..jobs import organisations as organisation_jobs
from ..services.petitions import get_public
from ..sirene import sample, stock

sirene_cli = AppGroup("sirene", help="The Sirene register of companies (docs/sirene.md).")

MIB = 1024 * 1024


@sirene_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--communes", help="Keep these INSEE commune codes only (comma-separated).")
@click.option("--territory", metavar="SLUG", help="Keep the communes of this petition only.")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=64 * 1024),
    help="Bytes read (and committed) at a time; memory stays near this [default: 1 MiB].",
)
def import_(files, communes, territory, chunk_size):
    """Import StockEtablissement and StockUniteLegale files (CSV or zip), in the
    order given; when filtering, give the establishment file first. Re-running
    after an interruption resumes; a re-import replaces the rows. Exit code 1 if
    a file cannot be imported (the files before it stay imported)."""
    kept = _filter(communes, territory)
    imported = False
    try:
        for path in files:
            try:
                done = stock.import_file(path, kept, chunk_size, on_chunk=_progress)
            except stock.StockError as error:
                raise click.ClickException(str(error)) from None
            imported = True
            click.echo(_done(done))
    finally:
        if imported:
            _recheck()


def _recheck():
    """The organisations the register did not know are asked again (jobs/organisations.py)."""
    reopened = organisation_jobs.after_import()
    if reopened:
        click.echo(f"{reopened:,} organisations not found before are checked again by the worker.")


def _done(done):
    removed = f", {done.removed:,} that left the register removed" if done.removed else ""
    return f"{done.path}: {done.kind}, {done.rows:,} rows imported{removed}."


def _progress(p):
    share = 100 * p.offset / p.size if p.size else 100
    resumed = " (resumed)" if p.resumed else ""
    click.echo(
        f"  {p.kind}: {p.offset / MIB:,.1f} of {p.size / MIB:,.1f} MiB ({share:.0f} %), "
        f"{p.rows:,} rows kept{resumed}"
    )


def _filter(communes, territory):
    if communes and territory:
        raise click.UsageError("Give --communes or --territory, not both.")
    if territory:
        petition = get_public(territory)
        if petition is None or not petition.territory_codes:
            raise click.ClickException(f"No petition {territory!r} with a territory.")
        return stock.with_arrondissements(petition.territory_codes)
    if communes:
        codes = set(re.split(r"[\s,;]+", communes.strip()))
        unknown = sorted(c for c in codes if geography().commune(c) is None)
        if unknown:
            raise click.ClickException(f"Unknown INSEE commune codes: {', '.join(unknown)}")
        return stock.with_arrondissements(codes)
    return None


@sirene_cli.command("status")
def status():
    """Rows held per source, and the latest imports with their progress."""
    for table, by_source in stock.counts().items():
        held = ", ".join(f"{n:,} from {source}" for source, n in sorted(by_source.items()))
        click.echo(f"{table}: {held or 'empty'}")
    for job in stock.imports():
        state = "done" if job.finished_at else f"stopped at byte {job.offset:,}"
        scope = f", communes {job.communes[:40]}" if job.communes else ""
        click.echo(f"#{job.id} {job.kind} {job.path}: {job.rows:,} rows, {state}{scope}")


@sirene_cli.command("sample")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--communes", help="INSEE codes (default: the demo territories).")
@click.option("--rows", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
def sample_(directory, communes, rows, seed):
    """Write a made-up extract in the official format (demo, tests, bench)."""
    codes = _filter(communes, None) or demo_communes()
    for path in sample.write_extract(directory, codes, rows, seed=seed):
        click.echo(str(path))


@sirene_cli.command("demo")
@click.option("--rows", type=click.IntRange(min=1), default=600, show_default=True)
def demo(rows):
    """Write and import the demo extract of the three demo territories; idempotent."""
    directory = Path(current_app.instance_path) / "sirene-demo"
    units, places = sample.write_extract(directory, demo_communes(), rows)
    for path in (places, units):
        done = stock.import_file(path)
        click.echo(_done(done))
    _recheck()
    for unit in sample.DEMO_UNITS:
        name = unit.name if unit.diffusion == "O" else "[ND] (partial diffusion)"
        click.echo(f"  demo SIRET {unit.siret}: {name}, state {unit.state}")


def demo_communes():
    geo = geography()
    epcis = [code for entry in DEMO for code in entry["epci"].split(",")]
    return geo.expand(epcis=epcis)
