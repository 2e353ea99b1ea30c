"""NAF rév. 2 sections (the letter above each activity code), from the divisions.

INSEE's nomenclature groups the 88 divisions (the code's first two digits) into
21 sections A–U; the boundaries below are the official ones. Labels: `label()`
(the nomenclature built into data/naf.json.gz by build.py, sections in French
and English) and `headcount_label()` (INSEE's headcount bands). These are
nomenclature data with their own official wording in each language, kept here
rather than in the message catalogues.
"""

import gzip
import json
from pathlib import Path

# (first division, last division, section)
_SECTIONS = (
    (1, 3, "A"),
    (5, 9, "B"),
    (10, 33, "C"),
    (35, 35, "D"),
    (36, 39, "E"),
    (41, 43, "F"),
    (45, 47, "G"),
    (49, 53, "H"),
    (55, 56, "I"),
    (58, 63, "J"),
    (64, 66, "K"),
    (68, 68, "L"),
    (69, 75, "M"),
    (77, 82, "N"),
    (84, 84, "O"),
    (85, 85, "P"),
    (86, 88, "Q"),
    (90, 93, "R"),
    (94, 96, "S"),
    (97, 98, "T"),
    (99, 99, "U"),
)


def section(code: str | None) -> str | None:
    """The section letter of a NAF code such as `62.01Z` (None when unknown)."""
    if not code or not code[:2].isdigit():
        return None
    division = int(code[:2])
    for first, last, letter in _SECTIONS:
        if first <= division <= last:
            return letter
    return None


#: Section titles of NAF rév. 2 (French) and NACE Rev. 2 (English), official wording.
SECTION_LABELS = {
    "A": ("Agriculture, sylviculture et pêche", "Agriculture, forestry and fishing"),
    "B": ("Industries extractives", "Mining and quarrying"),
    "C": ("Industrie manufacturière", "Manufacturing"),
    "D": (
        "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné",
        "Electricity, gas, steam and air conditioning supply",
    ),
    "E": (
        "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution",
        "Water supply; sewerage, waste management and remediation activities",
    ),
    "F": ("Construction", "Construction"),
    "G": (
        "Commerce ; réparation d'automobiles et de motocycles",
        "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    ),
    "H": ("Transports et entreposage", "Transportation and storage"),
    "I": ("Hébergement et restauration", "Accommodation and food service activities"),
    "J": ("Information et communication", "Information and communication"),
    "K": ("Activités financières et d'assurance", "Financial and insurance activities"),
    "L": ("Activités immobilières", "Real estate activities"),
    "M": (
        "Activités spécialisées, scientifiques et techniques",
        "Professional, scientific and technical activities",
    ),
    "N": (
        "Activités de services administratifs et de soutien",
        "Administrative and support service activities",
    ),
    "O": (
        "Administration publique",
        "Public administration and defence; compulsory social security",
    ),
    "P": ("Enseignement", "Education"),
    "Q": ("Santé humaine et action sociale", "Human health and social work activities"),
    "R": ("Arts, spectacles et activités récréatives", "Arts, entertainment and recreation"),
    "S": ("Autres activités de services", "Other service activities"),
    "T": (
        "Activités des ménages en tant qu'employeurs ; activités indifférenciées des ménages "
        "en tant que producteurs de biens et services pour usage propre",
        "Activities of households as employers; undifferentiated goods- and "
        "services-producing activities of households for own use",
    ),
    "U": (
        "Activités extra-territoriales",
        "Activities of extraterritorial organisations and bodies",
    ),
}

#: Tranches d'effectifs salariés (INSEE's codes, as in `trancheEffectifs…`).
HEADCOUNT_LABELS = {
    "NN": ("Unité non employeuse", "Non-employer unit"),
    "00": ("0 salarié", "0 employees"),
    "01": ("1 ou 2 salariés", "1 or 2 employees"),
    "02": ("3 à 5 salariés", "3 to 5 employees"),
    "03": ("6 à 9 salariés", "6 to 9 employees"),
    "11": ("10 à 19 salariés", "10 to 19 employees"),
    "12": ("20 à 49 salariés", "20 to 49 employees"),
    "21": ("50 à 99 salariés", "50 to 99 employees"),
    "22": ("100 à 199 salariés", "100 to 199 employees"),
    "31": ("200 à 249 salariés", "200 to 249 employees"),
    "32": ("250 à 499 salariés", "250 to 499 employees"),
    "41": ("500 à 999 salariés", "500 to 999 employees"),
    "42": ("1 000 à 1 999 salariés", "1,000 to 1,999 employees"),
    "51": ("2 000 à 4 999 salariés", "2,000 to 4,999 employees"),
    "52": ("5 000 à 9 999 salariés", "5,000 to 9,999 employees"),
    "53": ("10 000 salariés et plus", "10,000 employees or more"),
}

DATA = Path(__file__).resolve().parent / "data" / "naf.json.gz"
_labels = None


def _french():
    """The nomenclature's French labels by code, read once (16 KB)."""
    global _labels
    if _labels is None:
        with gzip.open(DATA, "rt", encoding="utf-8") as f:
            _labels = json.load(f)["labels"]
    return _labels


def label(code: str | None, locale: str = "fr") -> str | None:
    """The label of a NAF code (`62.01Z`) or section letter (`J`).

    French: the code's own label from INSEE's nomenclature. English: NACE's
    section title (INSEE publishes the sub-class labels in French only).
    """
    if not code:
        return None
    english = str(locale).startswith("en")
    if code in SECTION_LABELS:
        return SECTION_LABELS[code][english]
    if not english and code in _french():
        return _french()[code]
    letter = section(code)
    return SECTION_LABELS[letter][english] if letter else None


def headcount_label(code: str | None, locale: str = "fr") -> str | None:
    """The label of a headcount band code (`11` → "10 à 19 salariés")."""
    labels = HEADCOUNT_LABELS.get(code or "")
    return labels[str(locale).startswith("en")] if labels else None
