"""How a register check reads to people: its status, NAF code, section and
headcount band. The one place the pages, the CSV and the PDF take these words
from; the labels are the register's own (sirene/naf.py)."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..models import RegisterStatus
from . import naf

STATUS = {
    RegisterStatus.ACTIVE: _l("active au registre"),
    RegisterStatus.CLOSED: _l("fermée au registre"),
    RegisterStatus.NOT_FOUND: _l("introuvable au registre"),
    RegisterStatus.NOT_CHECKED: _l("pas encore vérifiée"),
}


def status_text(status: str | None) -> str:
    """The words for a status; a signature with no number has none."""
    return str(STATUS.get(status, "")) if status else ""


def _locale() -> str:
    return str(get_locale() or "fr")


def naf_text(code: str | None) -> str:
    """`62.01Z — Programmation informatique` (the code alone when unknown)."""
    if not code:
        return ""
    label = naf.label(code, _locale())
    return f"{code} — {label}" if label else code


def section_text(letter: str | None) -> str:
    if not letter:
        return str(_l("Activité inconnue"))
    label = naf.label(letter, _locale())
    return f"{letter} — {label}" if label else str(_l("Section %(letter)s", letter=letter))


def headcount_text(band: str | None) -> str:
    """The INSEE band's label (`11`: 10 à 19 salariés)."""
    if not band or band == "NN":
        return str(_l("Effectif non renseigné"))
    return naf.headcount_label(band, _locale()) or str(_l("Tranche %(band)s", band=band))


def _folded(name):
    return " ".join((name or "").casefold().split())


def registered_beside(typed: str | None, registered: str | None, partial: bool, public: bool):
    """The registered name to show beside a typed one that differs, else None.

    Public pages never show a partial-diffusion unit's name (an individual
    entrepreneur's name is the person's)."""
    if not registered or (public and partial):
        return None
    return registered if _folded(typed) != _folded(registered) else None
