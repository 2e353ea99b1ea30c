"""The paper import's CSV: the template organisers download (UTF-8 with BOM,
`;` separator, headers in their language) and the check of an uploaded file,
row by row, with the same rules as the one-by-one form (forms/paper.py).

Every bad row is reported with its line number; the caller writes nothing
unless every row is good.
"""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..categories import LABELS
from ..geo import fold
from ..models import CATEGORIES
from .paper import PaperForm, parse_day

#: (form field, French header, English header), in the template's order.
COLUMNS = (
    ("sheet_ref", "Référence feuille", "Sheet reference"),
    ("first_name", "Prénom", "First name"),
    ("last_name", "Nom", "Last name"),
    ("email", "E-mail", "Email"),
    ("postal_code", "Code postal", "Postal code"),
    ("commune", "Commune", "Commune"),
    ("category", "Catégorie", "Category"),
    ("organisation", "Organisation", "Organisation"),
    ("siren", "SIREN", "SIREN"),
    ("collected_on", "Date de collecte", "Collected on"),
    ("event_name", "Événement", "Event"),
)
REQUIRED = ("sheet_ref", "first_name", "last_name", "postal_code", "category")
MAX_BYTES = 2_000_000
#: A file is checked and written within one request (5,000 rows took 6-12 s on
#: the shared test machine, PostgreSQL slowest): well inside GUNICORN_TIMEOUT.
MAX_ROWS = 2_000


@dataclass
class Checked:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def template(lang: str) -> bytes:
    """The header line in `lang` (fr or en), UTF-8 with BOM, `;`-separated."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(
        en if lang == "en" else fr for _name, fr, en in COLUMNS
    )
    return ("\ufeff" + out.getvalue()).encode()


def _headers():
    known = {}
    for name, fr, en in COLUMNS:
        known[fold(fr)] = known[fold(en)] = known[fold(name)] = name
    return known


def _categories():
    """A category as typed: its key, or its label in French or English."""
    known = {fold(key): key for key in CATEGORIES}
    for lang in ("fr", "en"):
        with force_locale(lang):
            known.update((fold(str(label)), key) for key, label in LABELS.items())
    return known


def _decode(raw):
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def check(petition, raw: bytes, default_day=None, default_event="") -> Checked:
    """Every row of the file checked; `rows` are the clean ones (with their
    `line`), `errors` (line, message) the others."""
    result = Checked()
    text = _decode(raw) if len(raw) <= MAX_BYTES else None
    if text is None:
        result.errors.append((1, _("Le fichier doit être un CSV en UTF-8 de 2 Mo au plus.")))
        return result
    first = text.split("\n", 1)[0]
    delimiter = "," if first.count(",") > first.count(";") else ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    names = [_headers().get(fold(h)) for h in next(reader, [])]
    missing = [fr for name, fr, _en in COLUMNS if name in REQUIRED and name not in names]
    if missing:
        result.errors.append(
            (
                1,
                _(
                    "Colonnes manquantes : %(names)s (téléchargez le modèle).",
                    names=", ".join(missing),
                ),
            )
        )
        return result
    categories, seen = _categories(), {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            result.errors.append(
                (line, _("Plus de %(n)s lignes : découpez le fichier.", n=MAX_ROWS))
            )
            break
        data = {name: value.strip() for name, value in zip(names, values, strict=False) if name}
        data["category"] = categories.get(fold(data.get("category", "")), data.get("category"))
        day = parse_day(data.get("collected_on", "")) or default_day
        data["collected_on"] = day.isoformat() if day else data.get("collected_on", "")
        data["event_name"] = data.get("event_name") or default_event
        row, message = _check_row(petition, data)
        if row and row["sheet_ref"] in seen:
            message = _(
                "la référence %(ref)s figure déjà ligne %(line)s.",
                ref=row["sheet_ref"],
                line=seen[row["sheet_ref"]],
            )
        if message:
            result.errors.append((line, message))
        else:
            seen[row["sheet_ref"]] = line
            result.rows.append({**row, "line": line})
    if not result.rows and not result.errors:
        result.errors.append((2, _("Le fichier ne contient aucune signature.")))
    return result


def _check_row(petition, data):
    form = PaperForm(petition, formdata=MultiDict(data), meta={"csrf": False})
    if form.validate():
        return form.cleaned(), None
    problems = [
        f"{form[name].label.text} : {' '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
    ]
    return None, " ; ".join(problems)
