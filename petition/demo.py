"""Demo petitions loaded by `flask petition demo` (and so by `make run`), on the
real territories: their EPCI by SIREN (official geography, petition/geo), and
the demo organizer of Saint-Étienne (never in production: its password is
written here). `make run` also loads a made-up Sirene extract of the three
territories (`flask sirene demo`): the descriptions give its demo SIRETs."""

from .sirene.sample import DEMO_UNITS

_ACTIVE, _CLOSED, _PARTIAL, _AZUR, _SOPHIA, _LYON = (unit.siret for unit in DEMO_UNITS)


def _try_with(*lines):
    return (
        "\n\n*Démonstration* — pour signer au nom d'une organisation, essayez "
        + " ; ".join(lines)
        + " (registre Sirene de démonstration)."
    )


#: The demo organizer `make run` logs in with (README, Try it).
DEMO_ORGANIZER = {
    "email": "organisatrice@example.org",
    "password": "demo-organisatrice",
    "petitions": ("saint-etienne",),
}

DEMO = [
    {
        "slug": "saint-etienne",
        "title": "Saint-Étienne French Tech : les acteurs du numérique soutiennent la candidature",
        "territory": "Saint-Étienne Métropole",
        "goal": 1000,
        "epci": "244200770",  # Saint-Étienne Métropole, 53 communes
        "controller_name": "Saint-Étienne Métropole — équipe French Tech",
        "controller_email": "frenchtech@example.org",
        "description": (
            "Saint-Étienne candidate au label **French Tech**. Startups, entreprises, "
            "associations, écoles, laboratoires et élus : montrez que l'écosystème "
            "stéphanois est mobilisé.\n\n"
            "- une signature par personne, confirmée par e-mail ;\n"
            "- votre nom n'apparaît publiquement que si vous le souhaitez."
        )
        + _try_with(
            f"le SIRET {_ACTIVE} (entreprise active à Saint-Étienne)",
            f"{_CLOSED} (établissement fermé)",
            f"{_PARTIAL} (entrepreneur en diffusion partielle : nom jamais affiché)",
        ),
    },
    {
        "slug": "cote-d-azur",
        "title": "French Tech Côte d'Azur : Nice, Cannes, Grasse et Sophia Antipolis ensemble",
        "territory": "French Tech Côte d'Azur",
        "goal": 1500,
        # Métropole Nice Côte d'Azur, CA Cannes Pays de Lérins, CA du Pays de
        # Grasse, CA de Sophia Antipolis: the four poles.
        "epci": "200030195,200039915,200039857,240600585",
        "controller_name": "French Tech Côte d'Azur",
        "controller_email": "contact@example.org",
        "description": (
            "Quatre pôles, un territoire. Soutenez la candidature commune de la "
            "**Côte d'Azur** au label French Tech."
        )
        + _try_with(f"le SIRET {_AZUR} (Nice)", f"{_SOPHIA} (Valbonne Sophia Antipolis)"),
    },
    {
        "slug": "lyon",
        "title": "Lyon French Tech : l'écosystème lyonnais se mobilise",
        "territory": "Métropole de Lyon",
        "goal": 2000,
        "epci": "200046977",  # Métropole de Lyon
        "controller_name": "Métropole de Lyon — mission French Tech",
        "controller_email": "frenchtech@example.org",
        "description": "Entrepreneurs, chercheurs, étudiants : **signez** pour Lyon."
        + _try_with(f"le SIRET {_LYON} (Lyon)"),
    },
]

#: The path of the dev stack's local webhook receiver (petition/dev/receiver.py).
DEMO_WEBHOOK_PATH = "/demo-hooks"

#: One organisation of the demo territory as the register knows it, published
#: in Saint-Étienne's panorama (services/panorama.seed_demo_profile). The SIREN
#: is INSEE's documentation example; the position is in Saint-Étienne
#: (Lambert-93 metres).
DEMO_PROFILE = {
    "siren": "552100554",
    "siret": "55210055400013",
    "name": "ATELIER NUMÉRIQUE STÉPHANOIS (DÉMO)",
    "naf": "62.01Z",
    "headcount": "11",
    "commune": "42218",
    "x": 808150.0,
    "y": 6481320.0,
    "description": "Développement de logiciels pour les collectivités et les PME du territoire.",
    "website": "https://atelier.example.org",
    "category": "company",
}
