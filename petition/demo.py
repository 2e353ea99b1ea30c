"""Demo petitions loaded by `flask petition demo` (and so by `make run`)."""

DEMO = [
    {
        "slug": "saint-etienne",
        "title": "Saint-Étienne French Tech : les acteurs du numérique soutiennent la candidature",
        "territory": "Saint-Étienne Métropole",
        "goal": 1000,
        "communes": "Saint-Étienne:42000,42100;Saint-Chamond:42400;Firminy:42700;"
        "Saint-Priest-en-Jarez:42270;Villars:42390",
        "controller_name": "Saint-Étienne Métropole — équipe French Tech",
        "controller_email": "frenchtech@example.org",
        "description": (
            "Saint-Étienne candidate au label **French Tech**. Startups, entreprises, "
            "associations, écoles, laboratoires et élus : montrez que l'écosystème "
            "stéphanois est mobilisé.\n\n"
            "- une signature par personne, confirmée par e-mail ;\n"
            "- votre nom n'apparaît publiquement que si vous le souhaitez."
        ),
    },
    {
        "slug": "cote-d-azur",
        "title": "French Tech Côte d'Azur : Nice, Cannes, Grasse et Sophia Antipolis ensemble",
        "territory": "French Tech Côte d'Azur",
        "goal": 1500,
        "communes": "Nice:06000,06100,06200,06300;Cannes:06400,06150;Grasse:06130,06520;"
        "Sophia Antipolis:06560,06410;Antibes:06600",
        "controller_name": "French Tech Côte d'Azur",
        "controller_email": "contact@example.org",
        "description": (
            "Quatre pôles, un territoire. Soutenez la candidature commune de la "
            "**Côte d'Azur** au label French Tech."
        ),
    },
    {
        "slug": "lyon",
        "title": "Lyon French Tech : l'écosystème lyonnais se mobilise",
        "territory": "Métropole de Lyon",
        "goal": 2000,
        "communes": "Lyon:69001,69002,69003,69004,69005,69006,69007,69008,69009;"
        "Villeurbanne:69100;Vénissieux:69200",
        "controller_name": "Métropole de Lyon — mission French Tech",
        "controller_email": "frenchtech@example.org",
        "description": "Entrepreneurs, chercheurs, étudiants : **signez** pour Lyon.",
    },
]

#: The demo organizer of the first petition (development only: `flask petition
#: demo` skips it in production); milestone alerts reach /dev/mail/.
DEMO_ORGANIZER = ("equipe@saint-etienne.example", "demonstration-locale")
#: The path of the dev stack's local webhook receiver (petition/dev/receiver.py).
DEMO_WEBHOOK_PATH = "/demo-hooks"
