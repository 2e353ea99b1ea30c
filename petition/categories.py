"""Human labels of the actor categories, translated at render time."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "entrepreneur": _l("Entrepreneur ou startup"),
    "company": _l("Entreprise"),
    "association": _l("Association"),
    "incubator": _l("Incubateur ou accélérateur"),
    "public": _l("Élu·e ou organisme public"),
    "investor": _l("Investisseur"),
    "researcher": _l("Chercheur·se ou laboratoire"),
    "engineer": _l("Ingénieur·e"),
    "designer": _l("Designer"),
    "developer": _l("Développeur·se"),
    "student": _l("Étudiant·e"),
    "media": _l("Média"),
    "citizen": _l("Citoyen·ne ou autre"),
}


def label(category):
    return LABELS.get(category, category)
