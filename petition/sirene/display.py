"""How a register check reads to people: its status, NAF code, section and
headcount band. The one place the pages, the CSV and the PDF take these words
from, so the register's official labels (naf.label, the headcount bands) plug in
here when present."""

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


def _label(function_name, code):
    """The register's label for a code when the register package offers it, else ""."""
    label = getattr(naf, function_name, None)
    if label is None or not code:
        return ""
    try:
        return label(code, str(get_locale() or "fr")) or ""
    except KeyError:
        return ""


def naf_text(code: str | None) -> str:
    """`62.01Z`, or `62.01Z — Programmation informatique` once labels exist."""
    if not code:
        return ""
    label = _label("label", code)
    return f"{code} — {label}" if label else code


def section_text(letter: str | None) -> str:
    if not letter:
        return str(_l("Activité inconnue"))
    label = _label("section_label", letter)
    return f"{letter} — {label}" if label else str(_l("Section %(letter)s", letter=letter))


def headcount_text(band: str | None) -> str:
    """The INSEE band code (`11`: 10 to 19 employees), its label once present."""
    if not band or band == "NN":
        return str(_l("Effectif non renseigné"))
    label = _label("headcount_label", band)
    return label or str(_l("Tranche %(band)s", band=band))


def _folded(name):
    return " ".join((name or "").casefold().split())


def registered_beside(typed: str | None, registered: str | None, partial: bool, public: bool):
    """The registered name to show beside a typed one that differs, else None.

    Public pages never show a partial-diffusion unit's name (an individual
    entrepreneur's name is the person's)."""
    if not registered or (public and partial):
        return None
    return registered if _folded(typed) != _folded(registered) else None
