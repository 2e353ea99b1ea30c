"""`flask` commands. Each is non-interactive and prints what it did."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Petition, PetitionState

petition_cli = AppGroup("petition", help="Create, list and load petitions.")


@petition_cli.command("create")
@click.option("--slug", required=True, help="Short address: /p/<slug>.")
@click.option("--title", required=True)
@click.option("--territory", required=True, help="e.g. « French Tech Côte d'Azur ».")
@click.option("--communes", default="", help="Nice:06000,06100;Cannes:06400")
@click.option("--description", default="", help="Markdown (sanitised on display).")
@click.option("--goal", type=int, default=1000, show_default=True)
@click.option("--state", type=click.Choice(PetitionState.ALL), default=PetitionState.OPEN,
              show_default=True)
@click.option("--opens", default=None, help="YYYY-MM-DD[THH:MM] (UTC)")
@click.option("--closes", default=None, help="YYYY-MM-DD[THH:MM] (UTC)")
@click.option("--controller-name", default="", help="Data controller (privacy notice).")
@click.option("--controller-email", default="")
@click.option("--retention-days", type=int, default=365, show_default=True)
def create(slug, title, territory, communes, description, goal, state, opens, closes,
           controller_name, controller_email, retention_days):
    """Create a petition non-interactively."""
    from .services.petitions import PetitionError, parse_communes, parse_date, save

    try:
        fields = dict(
            slug=slug, title=title, territory=territory, description=description,
            goal=goal, state=state, opens_at=parse_date(opens), closes_at=parse_date(closes),
            controller_name=controller_name, controller_email=controller_email,
            retention_days=retention_days,
        )
        petition = save(fields, parse_communes(communes))
    except PetitionError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Created petition {petition.slug} (id {petition.id}, {petition.state}).")


@petition_cli.command("demo")
def demo():
    """Load the demo petitions (Saint-Étienne, Côte d'Azur, Lyon); idempotent."""
    from .demo import DEMO
    from .services.petitions import parse_communes, save

    for entry in DEMO:
        if db.session.scalar(select(Petition.id).where(Petition.slug == entry["slug"])):
            click.echo(f"Demo petition {entry['slug']} already there.")
            continue
        fields = {k: v for k, v in entry.items() if k != "communes"}
        fields["state"] = PetitionState.OPEN
        save(fields, parse_communes(entry["communes"]))
        click.echo(f"Loaded demo petition {entry['slug']}.")


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
        from .jobs.counts import enqueue_reconcile

        click.echo(f"Queued reconciliation job {enqueue_reconcile().id}.")
        return
    from .services.reconcile import reconcile_all

    checked, repairs = reconcile_all()
    for r in repairs:
        click.echo(f"Repaired {r.slug}: {r.stored} -> {r.actual}")
    click.echo(f"{checked} petitions checked, {len(repairs)} repaired.")

def init_app(app):
    app.cli.add_command(petition_cli)
    from . import cli_protection

    cli_protection.init_app(app)
    from . import cli_organizer

    cli_organizer.init_app(app)
