"""What an export keeps: the filters of the form or CLI, checked before a byte goes out."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ...categories import label as category_label
from ...models import CATEGORIES, Petition, SignatureSource
from ...sirene import display as register_display

#: Filters fields that hold labels, not filters (kept out of the export log).
LABEL_FIELDS = ("labels", "status_labels", "sources")
DELIMITERS = (";", ",")
#: The place filter -> its SQL condition on column {c} (both dialects read TRUE/FALSE).
PLACES = {"": "", "local": "{c} = true", "outside": "({c} = false OR {c} IS NULL)"}


class ExportError(ValueError):
    """A filter is unusable; the message is for people."""


@dataclass
class Filters:
    category: str = ""
    commune: str = ""
    place: str = ""  # "local": only the territory's supporters; "outside": the others
    since: str = ""  # YYYY-MM-DD, verified on or after
    until: str = ""  # YYYY-MM-DD, verified on or before
    delimiter: str = ";"
    language: str = ""  # of the category column; "" keeps the machine keys
    labels: dict[str, str] = field(default_factory=dict, repr=False)
    status_labels: dict[str, str] = field(default_factory=dict, repr=False)
    sources: dict[str, str] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v and k not in LABEL_FIELDS}

    def query_args(self) -> dict[str, str]:
        return self.as_dict()


#: Verification dates a filter may name. Beyond them a date is a typo, and at
#: 9999-12-31 the end bound (the next midnight) overflowed in the middle of the
#: streamed response: a 200 cut short and an export log left unfinished.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _day(text):
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ExportError(_("Date invalide : %(d)s (format AAAA-MM-JJ).", d=text)) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ExportError(
            _(
                "Date hors limites : %(d)s (entre le %(first)s et le %(last)s).",
                d=text,
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )
    return day


def parse_filters(petition: Petition, args: Mapping[str, str | None]) -> Filters:
    """Filters from the export form or CLI options; raises ExportError.

    Everything the stream needs is checked here: once the response has
    started, an error can only cut the file short.
    """
    f = Filters(
        **{
            k: (args.get(k) or "").strip()
            for k in ("category", "commune", "place", "since", "until")
        }
    )
    f.delimiter = args.get("delimiter") or ";"
    if f.delimiter not in DELIMITERS:
        raise ExportError(_("Séparateur inconnu : choisissez « ; » ou « , »."))
    f.language = (args.get("language") or "").strip()
    if f.language:
        if f.language not in current_app.config["LANGUAGES"]:
            raise ExportError(_("Langue inconnue : %(l)s", l=f.language))
        f.labels = category_labels(f.language)
        f.status_labels = status_labels(f.language)
        f.sources = source_labels(f.language)
    if f.category and f.category not in CATEGORIES:
        raise ExportError(_("Catégorie inconnue : %(c)s", c=f.category))
    if f.commune and f.commune not in petition.commune_names:
        raise ExportError(_("Commune inconnue pour cette pétition : %(c)s", c=f.commune))
    if f.place not in PLACES:
        raise ExportError(_("Provenance inconnue : choisissez « local » ou « outside »."))
    since, until = _day(f.since), _day(f.until)
    if since and until and until < since:
        raise ExportError(_("La fin de la période doit suivre son début."))
    bounds(f)  # whatever the stream will compute is computed now, before a byte goes out
    return f


def category_labels(language: str) -> dict[str, str]:
    """Each category key's name in `language` (the cells of the category column)."""
    with force_locale(language):
        return {key: str(category_label(key)) for key in CATEGORIES}


def status_labels(language: str) -> dict[str, str]:
    """Each register status in `language` (the cells of statut_registre)."""
    with force_locale(language):
        return {key: register_display.status_text(key) for key in register_display.STATUS}


def source_labels(language: str) -> dict[str, str]:
    """Each source key's name in `language` (the cells of the origine column)."""
    with force_locale(language):
        return {SignatureSource.ONLINE: _("en ligne"), SignatureSource.PAPER: _("papier")}


def bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """The verification period as [lower, upper) UTC instants (None: open)."""
    since, until = _day(filters.since), _day(filters.until)
    lower = datetime.combine(since, time(), UTC) if since else None
    upper = datetime.combine(until + timedelta(days=1), time(), UTC) if until else None
    return lower, upper
