"""`make run` loads a made-up Sirene extract of the demo territories: the demo
SIRETs the petition pages print answer as their text says."""

from petition.demo import DEMO
from petition.models import RegisterStatus
from petition.sirene import register, sample
from petition.sirene.naf import section


def test_sirene_demo_loads_the_demo_units(app, runner):
    result = runner.invoke(args=["sirene", "demo", "--rows", "300"])
    assert result.exit_code == 0, result.output
    active, closed, partial, azur, sophia, lyon = sample.DEMO_UNITS
    for unit in (active, azur, sophia, lyon):
        entry = register.lookup(unit.siret)
        assert (entry.status, entry.name, entry.commune) == ("active", unit.name, unit.commune)
        assert entry.x and entry.y, "the demo establishments have coordinates"
    assert register.lookup(closed.siret).status == RegisterStatus.CLOSED
    hidden = register.lookup(partial.siret)
    assert hidden.partial_diffusion and hidden.name is None
    assert section(register.lookup(active.siret).naf) == "J"
    again = runner.invoke(args=["sirene", "demo", "--rows", "300"])
    assert again.exit_code == 0, "idempotent"
    assert f"demo SIRET {active.siret}" in again.output


def test_the_demo_pages_name_the_demo_sirets():
    text = " ".join(entry["description"] for entry in DEMO)
    for unit in sample.DEMO_UNITS:
        assert unit.siret in text
