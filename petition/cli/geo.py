"""`flask geo …`: ask the shipped official geography (postal codes, communes, EPCI)."""

import click
from flask.cli import AppGroup

from ..geo import geography

geo_cli = AppGroup("geo", help="Look up communes, postal codes and EPCI (official data).")


def _describe(commune):
    geo = geography()
    place = f"{commune.name} ({commune.code})"
    if commune.parent:
        place += f", arrondissement de {geo.commune(commune.parent).name} ({commune.parent})"
    epci = geo.epci(commune.epci)
    where = f"département {commune.departement}"
    if epci:
        where += f", {epci.name} ({epci.siren})"
    return f"{place} — {where}, population {commune.population}"


@geo_cli.command("postal")
@click.argument("postal_code")
def postal(postal_code):
    """The communes a postal code serves."""
    found = geography().by_postal_code(postal_code.strip())
    if not found:
        raise click.ClickException(f"No commune has the postal code {postal_code!r}.")
    for commune in found:
        click.echo(_describe(commune))


@geo_cli.command("commune")
@click.argument("code_or_name")
def commune(code_or_name):
    """A commune by INSEE code, or the communes whose name matches."""
    geo = geography()
    found = [geo.commune(code_or_name)] if geo.commune(code_or_name) else geo.search(code_or_name)
    if not found:
        raise click.ClickException(f"No commune matches {code_or_name!r}.")
    for c in found:
        click.echo(f"{_describe(c)}; postal codes {', '.join(c.postal_codes)}")


@geo_cli.command("epci")
@click.argument("siren_or_name")
@click.option("--members/--no-members", default=True, show_default=True)
def epci(siren_or_name, members):
    """An EPCI by SIREN (with its member communes), or the EPCI whose name matches."""
    geo = geography()
    found = geo.epci(siren_or_name)
    if found is None:
        matches = geo.search_epci(siren_or_name)
        if not matches:
            raise click.ClickException(f"No EPCI matches {siren_or_name!r}.")
        if len(matches) > 1:
            for e in matches:
                click.echo(f"{e.siren}\t{e.name}")
            return
        found = matches[0]
    click.echo(f"{found.name} ({found.siren}, {found.kind}): {len(found.members)} communes")
    if members:
        for code in sorted(found.members, key=lambda c: geo.commune(c).name):
            c = geo.commune(code)
            click.echo(f"  {c.code}\t{c.name}\t{', '.join(c.postal_codes)}")
